using Sandbox.Actors.Hosts;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A gateway-only node that joins the cluster of <see cref="ClusterFixture.Host"/> and
/// reaches its sandboxes through the shard-region proxy, across Akka remoting.</summary>
public sealed class GatewayNodeFixture(ServerFixture host) : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s)
    {
        return s with { Roles = [NodeRoles.Gateway], SeedNodes = [host.ClusterAddress] };
    }
}

/// <summary>Two gateways (two ActorSystems in one cluster): the embedded node, and a gateway-only node.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public ServerFixture Host { get; } = new();
    public GatewayNodeFixture Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Host.InitializeAsync();
        Gateway = new GatewayNodeFixture(Host);
        await Gateway.InitializeAsync();
        // the proxy is usable once the gateway node is Up in the host's view
        var hostCluster = Cluster.Get(Host.App.Services.GetRequiredService<ActorSystem>());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (hostCluster.State.Members.Count(m => m.Status == MemberStatus.Up) < 2)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the gateway node did not join");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Host.DisposeAsync();
    }
}

public class ClusterGatewaySpec(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string S = "status:";

    [Fact]
    public async Task A_sandbox_created_through_one_gateway_is_driven_through_another()
    {
        var (c, id, token) = await CheckpointSpec.Create(cluster.Host, new { idle_timeout = 60 });
        await c.DisposeAsync();
        await Task.Delay(300);   // the first connection's detach reaches the sandbox

        await using var remote = await CheckpointSpec.Attach(cluster.Gateway, id, token);
        Assert.Equal([S + SandboxStatus.Running], await remote.ReadUntilAsync(e => e.StartsWith(S)));
        var events = await CheckpointSpec.Run(remote, "python", "import sys\nfor i in range(3000):\n    print(i)\nprint('err', file=sys.stderr)");
        var output = string.Concat(events.Where(e => e.StartsWith("stdout:")).Select(e => e[7..]));
        Assert.Equal(string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i}\n")), output);   // complete and in order across nodes
        Assert.Contains("stderr:err\n", events);
        await remote.SendAsync(new { action = "kill_sandbox" });
        Assert.Equal([S + SandboxStatus.Killing, S + SandboxStatus.Deleting, S + SandboxStatus.Deleted, S + SandboxStatus.Killed], await remote.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task Handoff_through_another_gateway_takes_the_session_over()
    {
        var (first, id, token) = await CheckpointSpec.Create(cluster.Host, new { idle_timeout = 60, enable_checkpoint = true, enable_sandbox_handoff = true });
        await using var _f = first;
        await first.SendAsync(new { language = "python", code = "import time\nprint('working', flush=True)\ntime.sleep(30)" });
        await first.ReadUntilAsync(e => e == "stdout:working\n");

        await using var second = await CheckpointSpec.Attach(cluster.Gateway, id, token);
        Assert.Equal([S + SandboxStatus.Running], await second.ReadUntilAsync(e => e.StartsWith(S)));

        // §9.8: the release sequence on the first connection, its execution force-killed
        Assert.Equal([S + SandboxStatus.LockReleaseRequested, S + SandboxStatus.Checkpointing, S + SandboxStatus.ExecutionForceKilled,
                S + SandboxStatus.ExecutionDone, S + SandboxStatus.Deleting, S + SandboxStatus.LockReleasing, S + SandboxStatus.LockReleased,
                S + SandboxStatus.Deleted, S + SandboxStatus.Checkpointed],
            await first.ReadUntilAsync(e => e == S + SandboxStatus.Checkpointed));
        // the first client can no longer touch the sandbox: its kill only ends its own session
        await first.SendAsync(new { action = "kill_sandbox" });
        Assert.Equal([S + SandboxStatus.Killed], await first.ReadUntilClosedAsync());

        Assert.Contains("stdout:alive\n", await CheckpointSpec.Run(second, "bash", "echo alive"));
    }

    [Fact]
    public async Task Without_handoff_a_second_attach_is_told_the_sandbox_is_in_use()
    {
        var (first, id, token) = await CheckpointSpec.Create(cluster.Host, new { idle_timeout = 60 });
        await using var _f = first;
        await using var second = await CheckpointSpec.Attach(cluster.Gateway, id, token);
        Assert.Equal([S + SandboxStatus.InUse], await second.ReadUntilClosedAsync());
        Assert.Contains("stdout:still mine\n", await CheckpointSpec.Run(first, "bash", "echo still mine"));
    }
}
