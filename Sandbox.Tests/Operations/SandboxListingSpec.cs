using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Gateway.Api;

namespace Sandbox.Tests.Operations;

/// <summary>
/// <c>sandboxctl sandbox list | show</c> on one in-process node: running, paused and ended sandboxes
/// from the catalog, with why and when they ended, their filters, and an operator's view of a sandbox
/// that belongs to an API key.
/// </summary>
public class SandboxListingSpec(AdminNodeFixture node) : IClassFixture<AdminNodeFixture>
{
    private ISandboxApi Api => node.App.Services.GetRequiredService<ISandboxApi>();

    private static T Ok<T>(ApiResult<T> r) => r.Ok ? r.Value : throw new Xunit.Sdk.XunitException($"{r.Error!.Kind}: {r.Error.Detail}");

    private static Caller WithToken(SandboxView v) => Caller.Local(v.SandboxToken);

    private Task<JsonElement> Ctl(params string[] args) => Sandboxctl.Json(node.AdminUrl, null, args);

    private static Dictionary<string, JsonElement> ById(JsonElement list) =>
        list.GetProperty("sandboxes").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);

    private async Task<SandboxView> Create(string run, bool checkpoint = false, Caller? caller = null) =>
        Ok(await Api.CreateAsync(caller ?? Caller.Local(), new CreateSandboxRequest
        {
            EnableCheckpoint = checkpoint,
            Labels = new Dictionary<string, string> { ["suite"] = "listing", ["run"] = run },
        }, default));

    [Fact]
    public async Task Sandbox_list_shows_running_paused_and_ended_sandboxes_with_why_they_ended_and_filters_them_by_state_and_label()
    {
        var running = await Create("live");
        var paused = await Create("resting", checkpoint: true);
        var ended = await Create("gone");
        try
        {
            Assert.Equal("paused", Ok(await Api.PauseAsync(WithToken(paused), paused.SandboxId, default)).State);
            Ok(await Api.DeleteAsync(WithToken(ended), ended.SandboxId, default));

            var listed = await Ctl("sandbox", "list");
            Assert.Equal(JsonValueKind.Null, listed.GetProperty("catalogUnavailable").ValueKind);
            var all = ById(listed);
            Assert.Equal(("running", node.Node), (all[running.SandboxId].GetProperty("state").GetString(), all[running.SandboxId].GetProperty("host").GetString()));
            Assert.False(all[running.SandboxId].GetProperty("attached").GetBoolean());
            Assert.Equal("paused", all[paused.SandboxId].GetProperty("state").GetString());
            Assert.Equal(JsonValueKind.Null, all[paused.SandboxId].GetProperty("host").ValueKind);   // no host holds it
            var gone = all[ended.SandboxId];
            Assert.Equal(("ended", "killed"), (gone.GetProperty("state").GetString(), gone.GetProperty("endedReason").GetString()));
            Assert.True(gone.GetProperty("endedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
            Assert.Equal("gone", gone.GetProperty("labels").GetProperty("run").GetString());

            string[] ours = [running.SandboxId, paused.SandboxId, ended.SandboxId];
            var onlyPaused = ById(await Ctl("sandbox", "list", "--state", "paused"));
            Assert.Equal([paused.SandboxId], ours.Where(onlyPaused.ContainsKey));
            Assert.All(onlyPaused.Values, s => Assert.Equal("paused", s.GetProperty("state").GetString()));
            var liveOrGone = ById(await Ctl("sandbox", "list", "--state", "running", "--state", "ended", "--label", "suite=listing"));
            Assert.Equal([running.SandboxId, ended.SandboxId], ours.Where(liveOrGone.ContainsKey));
            var byLabel = ById(await Ctl("sandbox", "list", "--label", "suite=listing", "--label", "run=gone"));
            Assert.Equal([ended.SandboxId], byLabel.Keys);

            // for people: one line each, the ended one with its reason
            var (exit, table, _) = await Sandboxctl.Run(null, "--node", node.AdminUrl, "sandbox", "list", "--label", "suite=listing");
            Assert.Equal(0, exit);
            var line = table.Split('\n').Single(l => l.StartsWith(ended.SandboxId));
            Assert.Contains("ended", line);
            Assert.Contains("killed", line);
            Assert.Contains(table.Split('\n'), l => l.StartsWith(paused.SandboxId) && l.Contains("paused"));
        }
        finally
        {
            await Api.DeleteAsync(WithToken(running), running.SandboxId, default);
            await Api.DeleteAsync(WithToken(paused), paused.SandboxId, default);
        }
    }

    [Fact]
    public async Task A_bad_filter_is_refused_with_what_is_accepted_by_sandboxctl_and_by_the_admin_API()
    {
        var (exit, _, err) = await Sandboxctl.Run(null, "--node", node.AdminUrl, "sandbox", "list", "--state", "sleeping");
        Assert.Equal(2, exit);
        Assert.Contains("paused", err);
        (exit, _, err) = await Sandboxctl.Run(null, "--node", node.AdminUrl, "sandbox", "list", "--label", "novalue");
        Assert.Equal(2, exit);
        Assert.Contains("key=value", err);

        using var http = new HttpClient();
        foreach (var query in new[] { "state=sleeping", "label=novalue", "label=BAD%20KEY=x", "limit=0", "limit=abc" })
        {
            var r = await http.GetAsync($"{node.AdminUrl}/admin/sandboxes?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            var detail = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
            Assert.False(string.IsNullOrWhiteSpace(detail), query);
        }
    }

    [Fact]
    public async Task Sandbox_show_gives_an_operator_the_owner_the_end_and_the_history_of_a_sandbox_another_key_owns()
    {
        // created with an API key: only that key (or the token) may see it through the API, and the operator
        var owner = new Caller("key-fp-ops", KeysConfigured: true, SandboxToken: null, Remote: IPAddress.Loopback);
        var owned = await Create("owned", caller: owner);
        Assert.Equal(ApiErrorKind.NotFound, (await Api.GetAsync(new Caller("key-fp-other", true, null, IPAddress.Loopback), owned.SandboxId, default)).Error!.Kind);

        var live = await Ctl("sandbox", "show", owned.SandboxId);
        Assert.Equal(("running", "key-fp-ops", node.Node), (live.GetProperty("state").GetString(), live.GetProperty("owner").GetString(), live.GetProperty("node").GetString()));
        Assert.Equal("owned", live.GetProperty("labels").GetProperty("run").GetString());

        Ok(await Api.DeleteAsync(owner, owned.SandboxId, default));
        var ended = await Ctl("sandbox", "show", owned.SandboxId);
        Assert.Equal(("ended", "killed"), (ended.GetProperty("state").GetString(), ended.GetProperty("endedReason").GetString()));
        Assert.Equal(["created", "started", "ended"], ended.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("type").GetString()));

        // for people: fields, then the history as a table
        var (exit, text, _) = await Sandboxctl.Run(null, "--node", node.AdminUrl, "sandbox", "show", owned.SandboxId);
        Assert.Equal(0, exit);
        Assert.Contains("endedReason:", text);
        Assert.Contains("killed", text);
        Assert.Contains("run=owned", text);
        var history = text[text.IndexOf("history:", StringComparison.Ordinal)..].Split('\n');
        Assert.Contains(history, l => l.Contains("created"));
        Assert.Contains(history, l => l.Contains("ended"));

        var (unknown, _, err) = await Sandboxctl.Run(null, "--node", node.AdminUrl, "sandbox", "show", "sandbox-000000000000000000000000");
        Assert.True(unknown == 4 && err.Contains("not found"), $"exit {unknown}: {err}");
    }
}
