using System.Diagnostics;
using System.Text.Json;

namespace Sandbox.Tests.Operations;

/// <summary>The real ./sandboxctl of the repository, run the way an operator runs it.</summary>
public static class Sandboxctl
{
    public static string RepoRoot => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../.."));

    public static ProcessStartInfo StartInfo(string? token, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot, "sandboxctl"), args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        psi.Environment.Remove("SANDBOXCTL_TOKEN");
        psi.Environment.Remove("SANDBOXCTL_NODE");
        if (token is not null) psi.Environment["SANDBOXCTL_TOKEN"] = token;
        return psi;
    }

    /// <summary>Runs it to the end: exit code, stdout, stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> Run(string? token, params string[] args)
    {
        using var p = Process.Start(StartInfo(token, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"sandboxctl {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>With --json; fails the test with its stderr on a non-zero exit.</summary>
    public static async Task<JsonElement> Json(string node, string? token, params string[] args)
    {
        var (exit, stdout, stderr) = await Run(token, ["--node", node, "--json", .. args]);
        Assert.True(exit == 0, $"sandboxctl {string.Join(' ', args)} exited {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
