using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway;
using Sandbox.Gateway.Api;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Lifecycle;

/// <summary>A node with two API keys and a quota of two sandboxes per key.</summary>
public sealed class QuotaServerFixture : ServerFixture
{
    public const string KeyA = "key-a-0123456789";
    public const string KeyB = "key-b-0123456789";

    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with { Gateway = s.Gateway with { ApiKeys = new ApiKeys([KeyA, KeyB]), KeyQuotas = new KeyQuotas(MaxSandboxes: 2) } };

    // a create under a quota counts the key's sandboxes through a host agent first: before the node is
    // Up it is refused ("the quota could not be checked … try again"), as a fresh node's first test saw
    protected override bool WaitsUntilReady => true;
}

/// <summary>Issue 18 item 4: keys see only their own sandboxes (on the reference routes too) and hold at most their quota.</summary>
public class OwnershipSpec(QuotaServerFixture server) : IClassFixture<QuotaServerFixture>
{
    private ISandboxApi Api => server.App.Services.GetRequiredService<ISandboxApi>();
    private static Caller Key(string key, string? token = null) => new(ApiKeys.Fingerprint(key), true, token, IPAddress.Parse("10.0.0.9"));

    [Fact]
    public async Task A_key_sees_only_its_own_sandboxes_and_another_key_cannot_tell_they_exist()
    {
        var mine = await Api.CreateAsync(Key(QuotaServerFixture.KeyA), new CreateSandboxRequest(), default);
        Assert.True(mine.Ok, mine.Error?.Detail);
        var id = mine.Value!.SandboxId;
        try
        {
            Assert.True((await Api.GetAsync(Key(QuotaServerFixture.KeyA), id, default)).Ok);
            var other = (await Api.GetAsync(Key(QuotaServerFixture.KeyB), id, default)).Error!;
            Assert.Equal(ApiErrorKind.NotFound, other.Kind);   // 404, never 403: ids cannot be probed
            Assert.Equal(ApiErrorKind.NotFound, (await Api.DeleteAsync(Key(QuotaServerFixture.KeyB), id, default)).Error!.Kind);
            Assert.DoesNotContain(id, (await Api.ListAsync(Key(QuotaServerFixture.KeyB), new SandboxQuery(new Dictionary<string, string>(), null), default)).Value!.Select(v => v.SandboxId));
            Assert.Contains(id, (await Api.ListAsync(Key(QuotaServerFixture.KeyA), new SandboxQuery(new Dictionary<string, string>(), null), default)).Value!.Select(v => v.SandboxId));
            // the sandbox token works instead of ownership on /v1
            Assert.True((await Api.GetAsync(Key(QuotaServerFixture.KeyB, mine.Value.SandboxToken), id, default)).Ok);

            // on the reference route, another key's sandbox answers like an unknown one, token or not
            await using var ws = await WsClient.ConnectAsync(new Uri(server.WsBase, $"/attach/{id}?sandbox_token={mine.Value.SandboxToken}"),
                o => o.SetRequestHeader("Authorization", "Bearer " + QuotaServerFixture.KeyB));
            Assert.Equal(["status:" + SandboxStatus.NotFound], await ws.ReadUntilClosedAsync());
            await using var owner = await WsClient.ConnectAsync(new Uri(server.WsBase, $"/attach/{id}?sandbox_token={mine.Value.SandboxToken}"),
                o => o.SetRequestHeader("Authorization", "Bearer " + QuotaServerFixture.KeyA));
            Assert.Equal("status:" + SandboxStatus.Running, (await owner.ReadUntilAsync(e => e.StartsWith("status:")))[^1]);
        }
        finally
        {
            await Api.DeleteAsync(Key(QuotaServerFixture.KeyA), id, default);
        }
    }

    [Fact]
    public async Task A_key_over_its_quota_is_refused_with_429_naming_the_quota_until_it_deletes_one()
    {
        var b = Key(QuotaServerFixture.KeyB);
        var first = (await Api.CreateAsync(b, new CreateSandboxRequest(), default)).Value!;
        var second = (await Api.CreateAsync(b, new CreateSandboxRequest(), default)).Value!;
        try
        {
            // a create's catalog row is written when it is journaled, before its container starts
            var refused = (await Api.CreateAsync(b, new CreateSandboxRequest(), default)).Error;
            Assert.NotNull(refused);
            Assert.Equal(ApiErrorKind.TooManyRequests, refused.Kind);
            Assert.Contains("SANDBOX_API_KEY_MAX_SANDBOXES", refused.Detail);
            // the other key is not affected
            var a = await Api.CreateAsync(Key(QuotaServerFixture.KeyA), new CreateSandboxRequest(), default);
            Assert.True(a.Ok, a.Error?.Detail);
            await Api.DeleteAsync(Key(QuotaServerFixture.KeyA), a.Value!.SandboxId, default);

            // the reference /create of that key hears the same text
            await using var ws = await WsClient.ConnectAsync(new Uri(server.WsBase, "/create"), o => o.SetRequestHeader("X-API-Key", QuotaServerFixture.KeyB));
            await ws.SendAsync(new { idle_timeout = 60 });
            var events = await ws.ReadUntilClosedAsync();
            Assert.Contains("status:" + SandboxStatus.CreationError, events);
            Assert.Contains(events, e => e.StartsWith("error:") && e.Contains("SANDBOX_API_KEY_MAX_SANDBOXES"));
        }
        finally
        {
            await Api.DeleteAsync(b, first.SandboxId, default);
            await Api.DeleteAsync(b, second.SandboxId, default);
        }
    }

    [Fact]
    public async Task Security_relevant_actions_are_audited_one_json_line_each_with_the_key_only_as_a_fingerprint()
    {
        var a = Key(QuotaServerFixture.KeyA);
        var created = (await Api.CreateAsync(a, new CreateSandboxRequest(), default)).Value!;
        await Api.DeleteAsync(a, created.SandboxId, default);
        await Api.DeleteAsync(Key(QuotaServerFixture.KeyB), created.SandboxId, default);   // refused: not B's
        using (var http = new HttpClient { BaseAddress = server.HttpBase })
            await http.PostAsync("/execute", new StringContent("print(1)"));              // no key: refused authentication

        var file = Path.Combine(server.Settings.DataDir, "audit.jsonl");
        var lines = new List<System.Text.Json.JsonElement>();
        for (var i = 0; i < 50; i++)
        {
            lines = File.Exists(file)
                ? File.ReadAllLines(file).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone()).ToList()
                : [];
            if (lines.Any(l => l.GetProperty("action").GetString() == "authenticate")) break;
            await Task.Delay(100);
        }
        string? Get(System.Text.Json.JsonElement l, string p) => l.TryGetProperty(p, out var v) ? v.GetString() : null;
        var mine = lines.Where(l => Get(l, "sandbox") == created.SandboxId).Select(l => (Get(l, "action"), Get(l, "outcome"), Get(l, "key"))).ToList();
        var shortA = ApiKeys.ShortFingerprint(ApiKeys.Fingerprint(QuotaServerFixture.KeyA));
        var shortB = ApiKeys.ShortFingerprint(ApiKeys.Fingerprint(QuotaServerFixture.KeyB));
        Assert.Contains(("create", "ok", shortA), mine);
        Assert.Contains(("delete", "ok", shortA), mine);
        Assert.Contains(("delete", "refused", shortB), mine);
        Assert.Contains(lines, l => Get(l, "action") == "authenticate" && Get(l, "outcome") == "refused" && Get(l, "node") is { Length: > 0 });
        var raw = File.ReadAllText(file);
        Assert.DoesNotContain(QuotaServerFixture.KeyA, raw);
        Assert.DoesNotContain(QuotaServerFixture.KeyB, raw);
    }
}
