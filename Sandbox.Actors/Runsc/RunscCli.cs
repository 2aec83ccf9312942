using System.Diagnostics;
using System.Text;

namespace Sandbox.Actors.Runsc;

/// <summary>
/// Builds runsc command lines (PROTOCOL.md §12.3) and runs the short-lived ones. The global flags go
/// on every command: runsc derives its sandbox configuration from the flags of each invocation, so
/// for example `start` without `--network=none` would try to configure a network.
/// </summary>
public sealed class RunscCli(RunscOptions options)
{
    public RunscOptions Options { get; } = options;

    public ProcessStartInfo StartInfo(string sandboxId, params string[] subcommand)
    {
        var o = Options;
        var network = o.Networks?.Find(sandboxId);
        var launches = network is not null && subcommand.Length > 0 && subcommand[0] is "run" or "restore" or "create";
        var restores = subcommand.Length > 0 && subcommand[0] == "restore";
        // what runs runsc: sudo, the reaper of a restore, the network namespace workaround (outermost first)
        var wrappers = new List<string>();
        if (o.UseSudo) wrappers.Add("sudo");
        if (restores) wrappers.AddRange(RestoreReaper);
        if (launches) wrappers.AddRange(["unshare", .. RootNamespaceCheckWorkaround]);
        var psi = new ProcessStartInfo
        {
            FileName = wrappers.Count > 0 ? wrappers[0] : o.RunscBinary,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var a = psi.ArgumentList;
        foreach (var w in wrappers.Skip(1)) a.Add(w);
        if (wrappers.Count > 0) a.Add(o.RunscBinary);
        if (o.Debug)
        {
            a.Add($"--debug-log={Path.Combine(o.DebugLogDir, sandboxId)}/");
            a.Add("--debug");
            if (o.LogPackets) a.Add("--log-packets");
        }
        if (o.Strace) a.Add("--strace");
        a.Add($"--root={o.RootDirFor(sandboxId)}");
        if (o.Rootless) a.Add("--rootless");
        if (o.IgnoreCgroups) a.Add("--ignore-cgroups");
        if (!string.IsNullOrEmpty(o.Platform)) a.Add($"--platform={o.Platform}");
        // No host network, ever (the reference's default gave sandboxes the server's network reach).
        // A container with a lease gets gVisor's own netstack in its namespace (Network/SandboxNetworks);
        // open TCP connections are then reset at a checkpoint, which runsc 20240729 otherwise refuses
        // (and the refused checkpoint kills the sandbox).
        if (network is not null)
        {
            a.Add("--network=sandbox");
            a.Add("--net-disconnect-ok");
        }
        else a.Add("--network=none");
        // Writes go through to the per-sandbox kernel overlay on the host, so the writable layer is a
        // plain directory we can snapshot and checkpoint (runsc 20240729 has no `tar` subcommand).
        a.Add("--overlay2=none");
        foreach (var s in subcommand) a.Add(s);
        return psi;
    }

    /// <summary>
    /// runsc 20240729 refuses <c>--network=sandbox</c> when <c>/proc/sys/net/core/rmem_default</c>
    /// exists, its test for "this is the root network namespace"; on newer kernels (verified on 6.18) it exists in
    /// every namespace, so runsc refuses every namespace. The launch therefore runs in a mount
    /// namespace of its own (mounts of the host still propagate into it) where an empty tmpfs hides
    /// <c>/proc/sys/net</c>; runsc then configures the netstack from the namespace in the spec as
    /// designed. <c>unshare</c> execs <c>sh</c>, which execs runsc: one process, the pid we wait on.
    /// </summary>
    private static readonly string[] RootNamespaceCheckWorkaround =
    [
        "--mount", "--propagation", "slave", "--", "sh", "-c",
        "mount -t tmpfs -o size=4k,mode=0555 gvisor-sandbox-netns /proc/sys/net && exec \"$0\" \"$@\"",
    ];

    /// <summary>
    /// `runsc restore` (20240729) exits without reaping its gofer, whose zombie then goes to init; and
    /// `runsc delete` polls the gofer's pid until the zombie is gone (at most 5 s). Where init reaps
    /// late (this VM: 1–2 s) or never (a container whose PID 1 is the server), every pause or delete of
    /// a restored sandbox waited for it: 1.6–2.1 s instead of 0.2–0.3 s. tini as a child subreaper
    /// (<c>-s</c>) gets that zombie when runsc restore exits and reaps it at once, then exits with
    /// runsc's status; stdio passes through, so the runner still speaks on runsc's pipes. A subreaper of
    /// its own per restore, rather than the server: the server would inherit every orphan of the host
    /// process it runs in (in the tests, cluster nodes started by a script) and could reap none of them
    /// without taking exit statuses from .NET.
    /// </summary>
    private static readonly string[] RestoreReaper = ["tini", "-s", "--"];

    public async Task<RunscResult> RunAsync(string sandboxId, TimeSpan timeout, CancellationToken ct, params string[] subcommand)
    {
        if (Options.Debug) Directory.CreateDirectory(Path.Combine(Options.DebugLogDir, sandboxId));
        using var p = new Process { StartInfo = StartInfo(sandboxId, subcommand) };
        try { p.Start(); }
        catch (Exception e) { Telemetry.SandboxMetrics.RunscFailed(subcommand.FirstOrDefault() ?? ""); return new RunscResult(-1, "", $"cannot start runsc: {e.Message}"); }
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch { /* already gone */ }
            Telemetry.SandboxMetrics.RunscFailed(subcommand.FirstOrDefault() ?? "");
            return new RunscResult(-1, "", $"runsc {string.Join(' ', subcommand)} timed out after {timeout.TotalSeconds:0.#} s");
        }
        if (p.ExitCode != 0) Telemetry.SandboxMetrics.RunscFailed(subcommand.FirstOrDefault() ?? "");
        return new RunscResult(p.ExitCode, await stdout, await stderr);
    }

    public static string Describe(ProcessStartInfo psi)
    {
        var sb = new StringBuilder(psi.FileName);
        foreach (var a in psi.ArgumentList) sb.Append(' ').Append(a.Length > 80 ? a[..40] + "…" : a);
        return sb.ToString();
    }
}
