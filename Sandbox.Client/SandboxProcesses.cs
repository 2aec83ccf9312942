using Sandbox.Client.Internal;

namespace Sandbox.Client;

/// <summary>The processes of a sandbox (API-v1.md §4).</summary>
public sealed class SandboxProcesses
{
    private readonly RemoteSandbox _sandbox;
    internal SandboxProcesses(RemoteSandbox sandbox) => _sandbox = sandbox;

    public async Task<SandboxProcess> StartAsync(ProcessStartOptions options, CancellationToken ct = default)
    {
        var info = await _sandbox.Api.JsonAsync<ProcessInfo>(HttpMethod.Post, _sandbox.Path("/processes"), _sandbox.Token, options, ct).ConfigureAwait(false);
        return new SandboxProcess(_sandbox, info.ProcessId, info.Pid);
    }

    public async Task<IReadOnlyList<ProcessInfo>> ListAsync(CancellationToken ct = default) =>
        (await _sandbox.Api.JsonAsync<ProcessList>(HttpMethod.Get, _sandbox.Path("/processes"), _sandbox.Token, null, ct).ConfigureAwait(false)).Processes;

    /// <summary>A handle on a process by its id (no call is made): e.g. one that kept running while this program was away.</summary>
    public SandboxProcess Get(string processId) => new(_sandbox, processId, 0);
}
