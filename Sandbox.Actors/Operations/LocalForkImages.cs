using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Sandbox.Actors.Runsc;

namespace Sandbox.Actors.Operations;

/// <summary>
/// Fork images this host has just taken, kept on its disk beside their stored archive for a short
/// while: a fork placed on the same host (the usual case) hard-links the memory image into its
/// bundle and copies the writable layer, instead of reading the archive back from the store,
/// checking its hash and unpacking it (40–80 ms of a fork's start here). A fork on another host, or
/// one that starts after the image was let go, reads the store as before; so does any fork when a
/// local copy fails halfway. Each image lives in its source's bundle (<c>fork-images/</c>), so it
/// is on the bundles' filesystem (hard links) and goes with the bundle even after a crash.
/// </summary>
public sealed class LocalForkImages(TimeSpan keepFor)
{
    /// <summary>How long an image stays for forks on this host: a fork starts within about a second
    /// of its image, unless it waits for a start slot.</summary>
    public static readonly TimeSpan DefaultKeepFor = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, string> _dirs = new();

    /// <summary>Where a source keeps the image of the fork taken at <paramref name="at"/>.</summary>
    public static string DirFor(OciBundle source, DateTimeOffset at) =>
        Path.Combine(source.Dir, "fork-images", at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));

    /// <summary>Offers the image in <paramref name="dir"/> (laid out as its archive: <c>image/</c>,
    /// <c>upper/</c>) under its stored key, and deletes it after the keep time.</summary>
    public void Keep(string key, string dir)
    {
        _dirs[key] = dir;
        _ = ForgetLaterAsync(key, dir);
    }

    private async Task ForgetLaterAsync(string key, string dir)
    {
        await Task.Delay(keepFor);
        _dirs.TryRemove(KeyValuePair.Create(key, dir));
        OciBundle.TryDelete(dir);
    }

    /// <summary>Puts the image kept under <paramref name="key"/> into <paramref name="bundle"/> (its writable
    /// layer prepared): true when done, false when there is none here or copying it failed, in which
    /// case the caller unpacks the stored archive over whatever was copied (the same files).</summary>
    public async Task<bool> TryCopyIntoAsync(string key, OciBundle bundle)
    {
        if (!_dirs.TryGetValue(key, out var dir)) return false;
        try
        {
            // runsc only reads an image: one set of files serves every fork of it
            LinkTree(Path.Combine(dir, "image"), bundle.ImageDir);
            // the layer is the fork's own to write: a copy, as the store's archive would bring it
            await TarArchive.CopyAsync(dir, ["upper"], bundle.Dir);
            return true;
        }
        catch (Exception)
        {
            OciBundle.TryDelete(bundle.ImageDir);
            return false;
        }
    }

    private static void LinkTree(string from, string to)
    {
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException(from);
        Directory.CreateDirectory(to);
        foreach (var d in Directory.GetDirectories(from))
            LinkTree(d, Path.Combine(to, Path.GetFileName(d)));
        foreach (var f in Directory.GetFiles(from))
            if (Native.link(f, Path.Combine(to, Path.GetFileName(f))) != 0)
                throw new IOException($"cannot link {f}: errno {Marshal.GetLastPInvokeError()}");
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int link(string oldpath, string newpath);
    }
}
