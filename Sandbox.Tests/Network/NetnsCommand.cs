using System.Diagnostics;

namespace Sandbox.Tests.Network;

/// <summary>Host commands for the network specs, optionally inside a namespace (<c>ip netns exec</c>).</summary>
public static class NetnsCommand
{
    public static async Task<string> RunAsync(string? ns, params string[] command)
    {
        var args = ns is null ? command : ["netns", "exec", ns, .. command];
        var psi = new ProcessStartInfo(ns is null ? command[0] : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in ns is null ? command[1..] : args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)} failed ({p.ExitCode}): {await stderr}");
        return await stdout;
    }

    public static Task BatchAsync(string? ns, string script) =>
        RunWithInputAsync(ns is null ? ["ip", "-batch", "-"] : ["ip", "-n", ns, "-batch", "-"], script);

    public static async Task RunWithInputAsync(string[] command, string input)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command[1..]) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync(input);
        p.StandardInput.Close();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed: {stderr}\n{input}");
    }

    /// <summary>Starts a long-running process in a namespace and waits until it prints <paramref name="readyLine"/>
    /// (or, without one, a moment).</summary>
    public static async Task<Process> StartAsync(string ns, string? readyLine, params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns }.Concat(command)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        if (readyLine is null)
        {
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            await Task.Delay(300);
            if (p.HasExited) throw new InvalidOperationException($"{string.Join(' ', command)} exited with {p.ExitCode}");
            return p;
        }
        p.BeginErrorReadLine();
        var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line != readyLine) throw new InvalidOperationException($"{string.Join(' ', command)} did not start: {line}");
        _ = p.StandardOutput.ReadToEndAsync();
        return p;
    }
}
