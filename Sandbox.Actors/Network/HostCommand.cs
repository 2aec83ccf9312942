using System.Diagnostics;

namespace Sandbox.Actors.Network;

/// <summary>A host tool (iproute2's <c>ip</c>) failed; the message carries its reason.</summary>
public sealed class HostCommandException(string message) : Exception(message);

/// <summary>Runs a short host command with its input on stdin, bounded in time.</summary>
internal static class HostCommand
{
    public static async Task<(int ExitCode, string Stderr)> RunAsync(string file, IReadOnlyList<string> args, string? stdin, TimeSpan timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        try { p.Start(); }
        catch (Exception e) { throw new HostCommandException($"cannot start {file}: {e.Message}"); }
        var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { /* it exited early; its stderr says why */ }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch { /* gone */ }
            throw new HostCommandException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0.#} s");
        }
        await stdout;
        return (p.ExitCode, (await stderr).Trim());
    }

    /// <summary>Runs and throws with the tool's reason when it fails.</summary>
    public static async Task RunCheckedAsync(string file, IReadOnlyList<string> args, string? stdin, TimeSpan timeout, CancellationToken ct)
    {
        var (code, stderr) = await RunAsync(file, args, stdin, timeout, ct);
        if (code != 0) throw new HostCommandException($"{file} {string.Join(' ', args)} failed ({code}): {stderr}");
    }
}
