using System.Net;
using System.Text.Json;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Api;

/// <summary>API-v1.md §2 and §5 over REST without API keys: the sandbox token is what lets a caller in.</summary>
public class V1SandboxesSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_created_sandbox_answers_201_with_its_token_labels_and_times_in_utc()
    {
        using var v1 = new V1Http(server);
        var a = await v1.PostAsync("/v1/sandboxes", new { idle_timeout = 120, ttl_seconds = 3600, labels = new { team = "evals", run = "42" } });
        Assert.Equal(HttpStatusCode.Created, a.Status);
        Assert.Equal("application/json", a.ContentType);
        var v = a.Json;
        var id = v.GetProperty("sandbox_id").GetString()!;
        Assert.StartsWith("sandbox-", id);
        Assert.Equal($"/v1/sandboxes/{id}", a.Location);
        Assert.Matches("^[0-9a-f]{32,}$", v.GetProperty("sandbox_token").GetString());
        Assert.Equal("running", v.GetProperty("state").GetString());
        Assert.Equal("evals", v.GetProperty("labels").GetProperty("team").GetString());
        var created = v.GetProperty("created_at").GetString()!;
        var expires = v.GetProperty("expires_at").GetString()!;
        Assert.EndsWith("Z", created);
        Assert.InRange(DateTimeOffset.Parse(expires) - DateTimeOffset.Parse(created), TimeSpan.FromSeconds(3590), TimeSpan.FromSeconds(3610));
        Assert.True(v.TryGetProperty("network", out _));
        await v1.DeleteAsync($"/v1/sandboxes/{id}", v.GetProperty("sandbox_token").GetString());
    }

    [Fact]
    public async Task Get_shows_the_node_and_activity_but_never_the_token()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        var a = await v1.GetAsync($"/v1/sandboxes/{id}", token);
        Assert.Equal(HttpStatusCode.OK, a.Status);
        var v = a.Json;
        Assert.Equal(id, v.GetProperty("sandbox_id").GetString());
        Assert.False(v.TryGetProperty("sandbox_token", out _));
        Assert.False(string.IsNullOrEmpty(v.GetProperty("node").GetString()));
        Assert.EndsWith("Z", v.GetProperty("last_activity_at").GetString());
        Assert.Equal(0, v.GetProperty("processes_running").GetInt32());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Without_keys_a_sandbox_scoped_route_needs_the_token()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        Assert.Contains("token", (await v1.GetAsync($"/v1/sandboxes/{id}")).Problem(HttpStatusCode.Forbidden));
        (await v1.GetAsync($"/v1/sandboxes/{id}", token + "0")).Problem(HttpStatusCode.Forbidden);
        (await v1.DeleteAsync($"/v1/sandboxes/{id}")).Problem(HttpStatusCode.Forbidden);
        (await v1.GetAsync($"/v1/sandboxes/{id}/files?path=/etc/hostname")).Problem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Status);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task An_unknown_sandbox_is_a_404()
    {
        using var v1 = new V1Http(server);
        Assert.Contains("sandbox-ffffffffffffffffffffffffffffffff", (await v1.GetAsync("/v1/sandboxes/sandbox-ffffffffffffffffffffffffffffffff", "0123")).Problem(HttpStatusCode.NotFound));
        (await v1.GetAsync("/v1/sandboxes/not-even-an-id", "0123")).Problem(HttpStatusCode.NotFound);
        (await v1.PostAsync("/v1/sandboxes/sandbox-ffffffffffffffffffffffffffffffff/pause", token: "0123")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_deleted_sandbox_stays_answerable_as_ended_killed_and_refuses_work_with_409()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await v1.DeleteAsync($"/v1/sandboxes/{id}", token)).Status);
        var v = (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json;
        Assert.Equal("ended", v.GetProperty("state").GetString());
        Assert.Equal("killed", v.GetProperty("ended_reason").GetString());
        Assert.EndsWith("Z", v.GetProperty("ended_at").GetString());
        Assert.Contains("ended", (await v1.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/processes", new { cmd = new[] { "true" } }, token)).Problem(HttpStatusCode.Conflict));
        (await v1.GetAsync($"/v1/sandboxes/{id}/files/list?path=/", token)).Problem(HttpStatusCode.Conflict);
        (await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 1 }, token)).Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Events_tell_a_sandboxs_history_from_creation_to_its_end()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
        var a = await v1.GetAsync($"/v1/sandboxes/{id}/events", token);
        Assert.Equal(HttpStatusCode.OK, a.Status);
        var events = a.Json.GetProperty("events").EnumerateArray().ToList();
        Assert.True(events.Count >= 2, a.Body);
        Assert.Equal("created", events[0].GetProperty("type").GetString());
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "ended" && e.GetProperty("detail").GetString()!.Contains("killed"));
        Assert.All(events, e => Assert.EndsWith("Z", e.GetProperty("at").GetString()));
    }

    [Fact]
    public async Task List_filters_by_labels_and_state_and_never_shows_tokens()
    {
        using var v1 = new V1Http(server);
        var run = Guid.NewGuid().ToString("N")[..8];
        var (a, ta, _) = await v1.CreateAsync(new { idle_timeout = 120, labels = new { run, team = "evals" } });
        var (b, tb, _) = await v1.CreateAsync(new { idle_timeout = 120, labels = new { run, team = "infra" } });
        var both = (await v1.GetAsync($"/v1/sandboxes?label=run={run}")).Json.GetProperty("sandboxes").EnumerateArray().ToList();
        Assert.Equal(new[] { a, b }.Order(), both.Select(s => s.GetProperty("sandbox_id").GetString()).Order());
        Assert.All(both, s => Assert.False(s.TryGetProperty("sandbox_token", out _)));
        var evals = (await v1.GetAsync($"/v1/sandboxes?label=run={run}&label=team=evals&state=running")).Json.GetProperty("sandboxes").EnumerateArray();
        Assert.Equal([a], evals.Select(s => s.GetProperty("sandbox_id").GetString()));
        await v1.DeleteAsync($"/v1/sandboxes/{b}", tb);
        // the list reads the catalog, which each sandbox updates right after it answers: give it a moment
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<string?> running;
        while (true)
        {
            running = (await v1.GetAsync($"/v1/sandboxes?label=run={run}&state=running")).Json.GetProperty("sandboxes").EnumerateArray()
                .Select(s => s.GetProperty("sandbox_id").GetString()).ToList();
            if (running.Count == 1 || DateTime.UtcNow > deadline) break;
            await Task.Delay(100);
        }
        Assert.Equal([a], running);
        await v1.DeleteAsync($"/v1/sandboxes/{a}", ta);
    }

    [Fact]
    public async Task Invalid_values_are_422s_that_name_the_field()
    {
        using var v1 = new V1Http(server);
        var tooMany = Enumerable.Range(0, 33).ToDictionary(i => $"k{i}", i => "v");
        var labels = await v1.PostAsync("/v1/sandboxes", new { labels = tooMany });
        labels.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("labels", labels.Field);
        var key = await v1.PostAsync("/v1/sandboxes", new { labels = new Dictionary<string, string> { ["Bad Key"] = "v" } });
        key.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("labels", key.Field);
        var onIdle = await v1.PostAsync("/v1/sandboxes", new { on_idle = "explode" });
        onIdle.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("on_idle", onIdle.Field);
        var egress = await v1.PostAsync("/v1/sandboxes", new { network = new { egress = "everything" } });
        egress.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.StartsWith("network", egress.Field);

        var (id, token, _) = await v1.CreateAsync();
        var ttl = await v1.PostAsync($"/v1/sandboxes/{id}/ttl", new { ttl_seconds = 0 }, token);
        ttl.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("ttl_seconds", ttl.Field);
        var fork = await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 17 }, token);
        Assert.Contains("16", fork.Problem(HttpStatusCode.UnprocessableEntity));
        Assert.Equal("count", fork.Field);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Ttl_moves_the_expiry_from_now()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync(new { idle_timeout = 120, ttl_seconds = 60 });
        var a = await v1.PostAsync($"/v1/sandboxes/{id}/ttl", new { ttl_seconds = 600 }, token);
        Assert.Equal(HttpStatusCode.OK, a.Status);
        var expires = DateTimeOffset.Parse(a.Json.GetProperty("expires_at").GetString()!);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(560), TimeSpan.FromSeconds(610));
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task Pausing_a_sandbox_without_checkpoints_is_a_409_that_says_how_to_enable_them()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync();
        Assert.Contains("enable_checkpoint", (await v1.PostAsync($"/v1/sandboxes/{id}/pause", token: token)).Problem(HttpStatusCode.Conflict));
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task A_paused_sandbox_resumes_with_its_files_and_a_file_read_resumes_it_by_itself()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync(new { idle_timeout = 120, enable_checkpoint = true });
        Assert.Equal(HttpStatusCode.Created, (await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/data/note.txt", rawBody: "kept", contentType: "text/plain", token: token)).Status);
        var paused = await v1.PostAsync($"/v1/sandboxes/{id}/pause", token: token);
        Assert.Equal(HttpStatusCode.OK, paused.Status);
        Assert.Equal("paused", paused.Json.GetProperty("state").GetString());
        Assert.Equal("paused", (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("state").GetString());
        var read = await v1.GetAsync($"/v1/sandboxes/{id}/files?path=/data/note.txt", token);
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("kept", read.Body);
        Assert.Equal("running", (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("state").GetString());
        (await v1.PostAsync($"/v1/sandboxes/{id}/pause", token: token)).Json.GetProperty("state").GetString();
        var resumed = await v1.PostAsync($"/v1/sandboxes/{id}/resume", token: token);
        Assert.Equal(HttpStatusCode.OK, resumed.Status);
        Assert.Equal("running", resumed.Json.GetProperty("state").GetString());
        Assert.False(string.IsNullOrEmpty(resumed.Json.GetProperty("node").GetString()));
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task A_fork_makes_new_sandboxes_with_the_sources_files_and_the_source_runs_on()
    {
        using var v1 = new V1Http(server);
        var (id, token, _) = await v1.CreateAsync(new { idle_timeout = 120, enable_checkpoint = true });
        await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/data/seed.txt", rawBody: "from the source", contentType: "text/plain", token: token);
        var a = await v1.PostAsync($"/v1/sandboxes/{id}/fork", new { count = 2, labels = new { fork = "yes" } }, token);
        Assert.Equal(HttpStatusCode.Created, a.Status);
        var forks = a.Json.GetProperty("sandboxes").EnumerateArray().Select(f => (Id: f.GetProperty("sandbox_id").GetString()!, Token: f.GetProperty("sandbox_token").GetString()!)).ToList();
        Assert.Equal(2, forks.Count);
        Assert.Equal(2, forks.Select(f => f.Id).Append(id).Distinct().Count() - 1);
        foreach (var f in forks)
        {
            Assert.Equal("from the source", (await v1.GetAsync($"/v1/sandboxes/{f.Id}/files?path=/data/seed.txt", f.Token)).Body);
            Assert.Equal("yes", (await v1.GetAsync($"/v1/sandboxes/{f.Id}", f.Token)).Json.GetProperty("labels").GetProperty("fork").GetString());
            await v1.DeleteAsync($"/v1/sandboxes/{f.Id}", f.Token);
        }
        Assert.Equal("running", (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("state").GetString());
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }

    [Fact]
    public async Task On_a_server_without_networking_the_policy_is_none_and_egress_is_a_conflict_naming_the_variable()
    {
        using var v1 = new V1Http(server);
        var (id, token, created) = await v1.CreateAsync(new { idle_timeout = 120 });
        Assert.Equal("none", created.GetProperty("network").GetProperty("egress").GetString());   // the default without networking

        var atCreate = await v1.PostAsync("/v1/sandboxes", new { network = new { egress = "allow_all" } });
        Assert.Contains("RUNSC_DISABLE_NETWORKING", atCreate.Problem(HttpStatusCode.Conflict));
        Assert.Equal("network.egress", atCreate.Field);
        var put = await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/network", new { egress = "allow_list", allow = new[] { "203.0.113.0/24", "pypi.org" } }, token);
        Assert.Contains("RUNSC_DISABLE_NETWORKING", put.Problem(HttpStatusCode.Conflict));

        var none = await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/network", new { egress = "none", deny = new[] { "203.0.113.7" } }, token);
        Assert.Equal(HttpStatusCode.OK, none.Status);
        var shown = (await v1.GetAsync($"/v1/sandboxes/{id}", token)).Json.GetProperty("network");
        Assert.Equal(("none", "203.0.113.7/32", 0L), (shown.GetProperty("egress").GetString(), shown.GetProperty("deny")[0].GetString(), shown.GetProperty("bytes_sent").GetInt64()));
        var bad = await v1.SendAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/network", new { egress = "allow_list", allow = new[] { "not a cidr or name!" } }, token);
        Assert.Contains("not a cidr or name!", bad.Problem(HttpStatusCode.UnprocessableEntity));
        Assert.StartsWith("allow", bad.Field);
        await v1.DeleteAsync($"/v1/sandboxes/{id}", token);
    }
}

/// <summary>API-v1.md §1 with keys: a key sees and touches only its own sandboxes (others are 404), the token opens the door.</summary>
public class V1OwnershipSpec(KeyedV1Fixture server) : IClassFixture<KeyedV1Fixture>
{
    [Fact]
    public async Task Another_keys_sandbox_is_a_404_unless_its_token_is_given()
    {
        using var mine = new V1Http(server, KeyedV1Fixture.Key);
        using var theirs = new V1Http(server, KeyedV1Fixture.OtherKey);
        var (id, token, _) = await mine.CreateAsync();
        Assert.Equal(HttpStatusCode.OK, (await mine.GetAsync($"/v1/sandboxes/{id}")).Status);   // the owner needs no token
        (await theirs.GetAsync($"/v1/sandboxes/{id}")).Problem(HttpStatusCode.NotFound);
        (await theirs.DeleteAsync($"/v1/sandboxes/{id}")).Problem(HttpStatusCode.NotFound);
        (await theirs.GetAsync($"/v1/sandboxes/{id}/files?path=/etc/hostname")).Problem(HttpStatusCode.NotFound);
        // the answer for someone else's sandbox is the answer for one that does not exist
        var unknown = (await theirs.GetAsync("/v1/sandboxes/sandbox-ffffffffffffffffffffffffffffffff")).Json;
        Assert.Equal(unknown.GetProperty("title").GetString(), (await theirs.GetAsync($"/v1/sandboxes/{id}")).Json.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, (await theirs.GetAsync($"/v1/sandboxes/{id}", token)).Status);
        Assert.DoesNotContain(id, (await theirs.GetAsync("/v1/sandboxes")).Body);
        Assert.Contains(id, (await mine.GetAsync("/v1/sandboxes")).Body);
        Assert.Equal(HttpStatusCode.NoContent, (await mine.DeleteAsync($"/v1/sandboxes/{id}")).Status);
    }

    [Fact]
    public async Task The_x_api_key_header_works_like_the_bearer_header()
    {
        using var v1 = new V1Http(server);
        v1.Http.DefaultRequestHeaders.Add("X-API-Key", KeyedV1Fixture.Key);
        var (id, _, _) = await v1.CreateAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await v1.DeleteAsync($"/v1/sandboxes/{id}")).Status);
    }
}

/// <summary>Quotas per key (API-v1.md §1): over one, a 429 with Retry-After and a detail naming it.</summary>
public class V1QuotaSpec(QuotaV1Fixture server) : IClassFixture<QuotaV1Fixture>
{
    [Fact]
    public async Task A_key_over_its_sandbox_quota_gets_429_with_retry_after_naming_the_quota()
    {
        using var v1 = new V1Http(server, KeyedV1Fixture.Key);
        var (id, _, _) = await v1.CreateAsync();
        var refused = await v1.PostAsync("/v1/sandboxes", new { idle_timeout = 60 });
        Assert.Contains("SANDBOX_API_KEY_MAX_SANDBOXES", refused.Problem(HttpStatusCode.TooManyRequests));
        Assert.NotNull(refused.RetryAfter);
        // the other key has its own quota
        using var other = new V1Http(server, KeyedV1Fixture.OtherKey);
        var (otherId, _, _) = await other.CreateAsync();
        await other.DeleteAsync($"/v1/sandboxes/{otherId}");
        await v1.DeleteAsync($"/v1/sandboxes/{id}");
    }
}
