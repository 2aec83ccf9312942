using System.Net;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>A node whose sandboxes cannot start (the rootfs is missing): clients get the reason, never a hang.</summary>
public sealed class MissingRootfsFixture : ServerFixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with { Runsc = s.Runsc with { RootfsPath = Path.Combine(Dir, "no-such-rootfs") } };
}

public class BrokenRuntimeSpec(MissingRootfsFixture server) : IClassFixture<MissingRootfsFixture>
{
    [Fact]
    public async Task Http_execute_answers_500_with_the_reason_when_the_sandbox_cannot_start()
    {
        using var http = new HttpClient { BaseAddress = server.HttpBase };
        var r = await http.PostAsync("/execute?language=python", new StringContent("print(1)"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Contains("sandbox rootfs not found", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Create_answers_a_creation_error_with_the_reason()
    {
        await using var c = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"));
        await c.SendAsync(new { idle_timeout = 60 });
        var events = await c.ReadUntilClosedAsync();
        Assert.Equal(["status:" + SandboxStatus.Creating, "status:" + SandboxStatus.CreationError], events.Take(2));
        Assert.Contains("Failed to create gVisor container: sandbox rootfs not found", events[2]);
        Assert.Equal(4000, c.CloseStatus);
    }
}
