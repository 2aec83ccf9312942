using System.Diagnostics;
using Sandbox.Actors.Runsc;

namespace Sandbox.Host.Health;

/// <summary>A sandbox host is only ready if runsc runs: <c>runsc --version</c>, answered within 5 s.</summary>
public static class RunscCheck
{
    public static CachedCheck Create(RunscOptions o) => new(TimeSpan.FromSeconds(5), async ct =>
    {
        var psi = new ProcessStartInfo { FileName = o.UseSudo ? "sudo" : o.RunscBinary, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (o.UseSudo) { psi.ArgumentList.Add("-n"); psi.ArgumentList.Add(o.RunscBinary); }
        psi.ArgumentList.Add("--version");
        using var p = new Process { StartInfo = psi };
        try { p.Start(); }
        catch (Exception e) { return $"runsc cannot be started ({o.RunscBinary}): {e.Message}"; }
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch { /* gone */ }
            return "runsc --version did not answer within 5 s";
        }
        await output;
        return p.ExitCode == 0 ? null : $"runsc --version failed ({p.ExitCode}): {(await error).Trim()}";
    });
}
