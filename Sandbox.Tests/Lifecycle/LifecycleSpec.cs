using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Api;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Lifecycle;

/// <summary>Issue 15 through the API facade of a real node: labels, TTL, pause and resume, the fate
/// of every sandbox and its history, and who may see what.</summary>
public class LifecycleSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string S = "status:";
    private ISandboxApi Api => server.App.Services.GetRequiredService<ISandboxApi>();
    private static readonly Caller Local = Caller.Local();

    private static T Ok<T>(ApiResult<T> r) => r.Ok ? r.Value : throw new Xunit.Sdk.XunitException($"{r.Error!.Kind}: {r.Error.Detail}");

    private async Task<SandboxView> Create(CreateSandboxRequest request, Caller? caller = null) =>
        Ok(await Api.CreateAsync(caller ?? Local, request, CancellationToken.None));

    private static Caller WithToken(SandboxView v) => Caller.Local(v.SandboxToken);

    [Fact]
    public async Task A_sandbox_created_through_the_api_is_listed_by_its_labels_and_driven_over_the_reference_protocol()
    {
        var a = await Create(new CreateSandboxRequest { Labels = new Dictionary<string, string> { ["team"] = "evals", ["run"] = "42" } });
        var b = await Create(new CreateSandboxRequest { Labels = new Dictionary<string, string> { ["team"] = "evals", ["run"] = "43" } });
        try
        {
            Assert.Equal("running", a.State);
            Assert.Matches("^[0-9a-f]{32}$", a.SandboxToken);
            var run42 = Ok(await Api.ListAsync(Local, new SandboxQuery(new Dictionary<string, string> { ["team"] = "evals", ["run"] = "42" }, null), default));
            Assert.Equal([a.SandboxId], run42.Select(x => x.SandboxId));
            Assert.All(run42, x => Assert.Null(x.SandboxToken));   // a listing never shows tokens
            var team = Ok(await Api.ListAsync(Local, new SandboxQuery(new Dictionary<string, string> { ["team"] = "evals" }, "running"), default));
            Assert.Superset(new HashSet<string> { a.SandboxId, b.SandboxId }, team.Select(x => x.SandboxId).ToHashSet());

            // the same sandbox through /attach with its token
            await using var ws = await CheckpointSpec.Attach(server, a.SandboxId, a.SandboxToken!);
            await ws.ReadUntilAsync(e => e == S + SandboxStatus.Running);
            Assert.Equal("hello\n", CheckpointSpec.Stdout(await CheckpointSpec.Run(ws, "bash", "echo hello")));
        }
        finally
        {
            await Api.DeleteAsync(WithToken(a), a.SandboxId, default);
            await Api.DeleteAsync(WithToken(b), b.SandboxId, default);
        }
    }

    [Fact]
    public async Task A_deleted_sandbox_answers_with_when_and_why_it_ended_and_its_history()
    {
        var v = await Create(new CreateSandboxRequest());
        Ok(await Api.DeleteAsync(WithToken(v), v.SandboxId, default));
        var ended = Ok(await Api.GetAsync(WithToken(v), v.SandboxId, default));
        Assert.Equal(("ended", "killed"), (ended.State, ended.EndedReason));
        Assert.NotNull(ended.EndedAt);
        var history = Ok(await Api.EventsAsync(WithToken(v), v.SandboxId, default));
        Assert.Equal(["created", "started", "ended"], history.Select(h => h.Type));
        Assert.Equal(ApiErrorKind.Conflict, (await Api.PauseAsync(WithToken(v), v.SandboxId, default)).Error!.Kind);

        // the reference protocol still knows it as gone
        await using var ws = await CheckpointSpec.Attach(server, v.SandboxId, v.SandboxToken!);
        Assert.Equal([S + SandboxStatus.NotFound], await ws.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task A_ttl_ends_a_sandbox_with_ttl_expired_even_while_its_client_is_busy_and_a_new_ttl_moves_the_end()
    {
        var v = await Create(new CreateSandboxRequest { TtlSeconds = 3, IdleTimeout = 300 });
        Assert.NotNull(v.ExpiresAt);
        await using var ws = await CheckpointSpec.Attach(server, v.SandboxId, v.SandboxToken!);
        await ws.ReadUntilAsync(e => e == S + SandboxStatus.Running);
        var events = await ws.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([S + SandboxStatus.Deleting, S + SandboxStatus.Deleted], events);
        var ended = Ok(await Api.GetAsync(WithToken(v), v.SandboxId, default));
        Assert.Equal("ttl_expired", ended.EndedReason);

        var longer = await Create(new CreateSandboxRequest { TtlSeconds = 2 });
        var moved = Ok(await Api.SetTtlAsync(WithToken(longer), longer.SandboxId, 600, default));
        Assert.True(moved.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(9));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal("running", Ok(await Api.GetAsync(WithToken(longer), longer.SandboxId, default)).State);
        Assert.Equal(ApiErrorKind.Invalid, (await Api.SetTtlAsync(WithToken(longer), longer.SandboxId, 0, default)).Error!.Kind);
        Ok(await Api.DeleteAsync(WithToken(longer), longer.SandboxId, default));
    }

    [Fact]
    public async Task A_paused_sandbox_releases_its_container_keeps_its_memory_and_files_and_resumes_where_it_was()
    {
        var v = await Create(new CreateSandboxRequest { EnableCheckpoint = true });
        try
        {
            await using (var ws = await CheckpointSpec.Attach(server, v.SandboxId, v.SandboxToken!))
            {
                await ws.ReadUntilAsync(e => e == S + SandboxStatus.Running);
                await CheckpointSpec.Run(ws, "bash", "echo kept > /root/note");
                await CheckpointSpec.Run(ws, "bash", CheckpointSpec.StartCounter);
            }
            var paused = Ok(await Api.PauseAsync(WithToken(v), v.SandboxId, default));
            Assert.Equal("paused", paused.State);
            Assert.Null(paused.Node);
            Assert.DoesNotContain(server.Leftovers(), l => l.Contains(v.SandboxId) && l.StartsWith("registered"));
            // the catalog follows each change within moments
            await ExecuteEndpointSpec.Eventually(async () =>
            {
                var listed = Ok(await Api.ListAsync(Local, new SandboxQuery(new Dictionary<string, string>(), "paused"), default));
                Assert.Contains(v.SandboxId, listed.Select(x => x.SandboxId));
            }, TimeSpan.FromSeconds(5));

            var resumed = Ok(await Api.ResumeAsync(WithToken(v), v.SandboxId, default));
            Assert.Equal("running", resumed.State);
            await using var again = await CheckpointSpec.Attach(server, v.SandboxId, v.SandboxToken!);
            await again.ReadUntilAsync(e => e == S + SandboxStatus.Running);
            var after = CheckpointSpec.Stdout(await CheckpointSpec.Run(again, "bash", "cat /root/note; c1=$(cat /tmp/count); sleep 0.4; echo $c1 $(cat /tmp/count)")).Split('\n');
            Assert.Equal("kept", after[0]);
            var counts = after[1].Split(' ').Select(int.Parse).ToArray();
            Assert.True(counts[1] > counts[0], "the counter kept counting after the resume");
            Assert.Equal(["created", "started", "paused", "resumed"], Ok(await Api.EventsAsync(WithToken(v), v.SandboxId, default)).Select(h => h.Type));
        }
        finally
        {
            await Api.DeleteAsync(WithToken(v), v.SandboxId, default);
        }
    }

    [Fact]
    public async Task A_restored_sandbox_pauses_again_resumes_again_and_leaves_neither_runsc_nor_its_reaper_behind()
    {
        var v = await Create(new CreateSandboxRequest { EnableCheckpoint = true });
        try
        {
            Ok(await Api.PauseAsync(WithToken(v), v.SandboxId, default));
            Ok(await Api.ResumeAsync(WithToken(v), v.SandboxId, default));
            // (the container is named after the sandbox: this server has no warm pool)
            Assert.Contains(Network.NetworkTestbed.ProcessesMentioning(v.SandboxId), p => p.Contains("tini -s -- runsc"));   // the restored one runs under its reaper
            Assert.Equal("paused", Ok(await Api.PauseAsync(WithToken(v), v.SandboxId, default)).State);
            Assert.Empty(Network.NetworkTestbed.ProcessesMentioning(v.SandboxId));   // no runsc, gofer, sentry or tini of it
            Assert.Equal("running", Ok(await Api.ResumeAsync(WithToken(v), v.SandboxId, default)).State);
            Assert.Equal(["created", "started", "paused", "resumed", "paused", "resumed"], Ok(await Api.EventsAsync(WithToken(v), v.SandboxId, default)).Select(h => h.Type));
        }
        finally
        {
            await Api.DeleteAsync(WithToken(v), v.SandboxId, default);
        }
    }

    [Fact]
    public async Task A_sandbox_without_checkpoints_cannot_be_paused_and_says_how_to_make_one_that_can()
    {
        var v = await Create(new CreateSandboxRequest());
        var refused = (await Api.PauseAsync(WithToken(v), v.SandboxId, default)).Error!;
        Assert.Equal(ApiErrorKind.Conflict, refused.Kind);
        Assert.Contains("enable_checkpoint", refused.Detail);
        Assert.Equal("running", Ok(await Api.GetAsync(WithToken(v), v.SandboxId, default)).State);
        Ok(await Api.DeleteAsync(WithToken(v), v.SandboxId, default));
    }

    [Fact]
    public async Task Without_keys_a_sandbox_needs_its_token_and_bad_values_are_refused_naming_the_field()
    {
        var v = await Create(new CreateSandboxRequest());
        Assert.Equal(ApiErrorKind.Forbidden, (await Api.GetAsync(Local, v.SandboxId, default)).Error!.Kind);
        Assert.Equal(ApiErrorKind.Forbidden, (await Api.GetAsync(Caller.Local("0123456789abcdef0123456789abcdef"), v.SandboxId, default)).Error!.Kind);
        Assert.Equal(ApiErrorKind.NotFound, (await Api.GetAsync(Local, "sandbox-000000000000000000000000", default)).Error!.Kind);
        Assert.Equal(ApiErrorKind.NotFound, (await Api.GetAsync(Local, "../etc/passwd", default)).Error!.Kind);
        var remote = new Caller(null, false, null, IPAddress.Parse("10.1.2.3"));
        Assert.Equal(ApiErrorKind.Forbidden, (await Api.ListAsync(remote, new SandboxQuery(new Dictionary<string, string>(), null), default)).Error!.Kind);

        foreach (var (request, field) in new (CreateSandboxRequest, string)[]
                 {
                     (new() { TtlSeconds = 0 }, "ttl_seconds"),
                     (new() { TtlSeconds = -5 }, "ttl_seconds"),
                     (new() { IdleTimeout = -1 }, "idle_timeout"),
                     (new() { OnIdle = "sleep" }, "on_idle"),
                     (new() { OnIdle = "pause" }, "on_idle"),
                     (new() { Labels = new Dictionary<string, string> { ["Bad Key"] = "x" } }, "labels"),
                     (new() { Labels = Enumerable.Range(0, 33).ToDictionary(i => $"k{i}", i => "v") }, "labels"),
                     (new() { Labels = new Dictionary<string, string> { ["k"] = new string('x', 256) } }, "labels"),
                 })
        {
            var e = (await Api.CreateAsync(Local, request, default)).Error;
            Assert.NotNull(e);
            Assert.Equal((ApiErrorKind.Invalid, field), (e.Kind, e.Field));
        }
        Ok(await Api.DeleteAsync(WithToken(v), v.SandboxId, default));
    }
}
