using System.Diagnostics;

namespace Sandbox.Actors.Runsc;

/// <summary>
/// GNU tar for the sandbox's writable layer: it keeps what an overlay upper directory is made of —
/// whiteouts (character devices 0/0), opaque-directory xattrs (trusted.overlay.*), owners and
/// modes — which is why a snapshot taken here and unpacked into another sandbox's upper layer shows
/// deletions as deletions.
/// </summary>
public static class TarArchive
{
    private static readonly string[] Common = ["--xattrs", "--xattrs-include=trusted.overlay.*", "--numeric-owner"];

    /// <summary>Streams a tar of <paramref name="entries"/> (relative to <paramref name="dir"/>) into <paramref name="consume"/>.
    /// With <paramref name="toleratesChanges"/>, files that changed while being read (a running sandbox) are not an error.</summary>
    public static async Task<T> CreateAsync<T>(string dir, IEnumerable<string> entries, bool toleratesChanges, Func<Stream, Task<T>> consume, CancellationToken ct)
    {
        var psi = Start(dir, ["-cf", "-", .. Common, "--", .. entries]);
        psi.RedirectStandardOutput = true;
        using var p = Process.Start(psi) ?? throw new IOException("cannot start tar");
        var stderr = p.StandardError.ReadToEndAsync(ct);
        T result;
        try
        {
            result = await consume(p.StandardOutput.BaseStream);
        }
        catch
        {
            try { p.Kill(); } catch { /* gone */ }
            throw;
        }
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0 && !(toleratesChanges && p.ExitCode == 1))
            throw new IOException($"tar failed ({p.ExitCode}): {(await stderr).Trim()}");
        return result;
    }

    /// <summary>Copies <paramref name="entries"/> of <paramref name="fromDir"/> into <paramref name="toDir"/> through
    /// a tar of them, so that whiteouts, opaque directories and owners arrive as an archive would bring them.</summary>
    public static Task CopyAsync(string fromDir, IEnumerable<string> entries, string toDir) =>
        CreateAsync(fromDir, entries, toleratesChanges: false,
            async s => { await ExtractAsync(toDir, s, CancellationToken.None); return true; }, CancellationToken.None);

    /// <summary>Unpacks a tar from <paramref name="source"/> into <paramref name="dir"/>.</summary>
    public static async Task ExtractAsync(string dir, Stream source, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var psi = Start(dir, ["-xpf", "-", .. Common]);
        psi.RedirectStandardInput = true;
        using var p = Process.Start(psi) ?? throw new IOException("cannot start tar");
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            await source.CopyToAsync(p.StandardInput.BaseStream, 1 << 20, ct);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // tar stopped reading (a corrupt archive): its exit status and message say why
        }
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0) throw new IOException($"tar could not unpack the archive: {(await stderr).Trim()}");
    }

    private static ProcessStartInfo Start(string dir, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("tar") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-C");
        psi.ArgumentList.Add(dir);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }
}
