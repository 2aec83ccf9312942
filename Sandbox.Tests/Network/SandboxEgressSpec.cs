using System.Text.Json.Nodes;
using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>
/// Network policy as a user of API v1 meets it (§6), on a real server whose node runs inside the
/// testbed's namespace: a policy given at create, changed with PUT …/network while the sandbox runs
/// and while it is paused, shown by GET with the bytes counted, kept through pause and resume, and
/// nothing of a sandbox's network left once it is deleted. Deny rules are proven against the
/// testbed's own fake internet only.
/// </summary>
[Collection(NetworkedServerCollection.Name)]
public sealed class SandboxEgressSpec(NetworkedServerTestbed bed) : IAsyncLifetime
{
    private readonly List<(string Id, string Token)> _sandboxes = [];

    private static object OnlyAllowed => new { egress = "allow_list", allow = new[] { "allowed.test" } };

    private async Task<(string Id, string Token)> CreateAsync(object? network, bool checkpoint = false)
    {
        var created = await bed.CreateAsync(network is null
            ? new { idle_timeout = 300, enable_checkpoint = checkpoint }
            : (object)new { idle_timeout = 300, enable_checkpoint = checkpoint, network });
        _sandboxes.Add(created);
        return created;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (id, token) in _sandboxes) await bed.CallAsync(HttpMethod.Delete, $"/v1/sandboxes/{id}", token);
        var left = await NetworkedServerTestbed.EventuallyAsync(bed.NonPoolLeftoversAsync, l => l.Count == 0);
        Assert.True(left.Count == 0, "sandbox networks left after the test: " + string.Join(", ", left));
    }

    private const string ReachAllowedAndOther = Probe.Code + $"print(get('http://allowed.test/'), '|', get('http://{Other}/'), '|', resolve('other.test'))";

    [Fact]
    public async Task A_sandbox_created_with_an_allow_list_reaches_the_allowed_server_and_not_another()
    {
        var (id, token) = await CreateAsync(OnlyAllowed);
        Assert.Equal($"served-by {Allowed} | ERR URLError | ERR gaierror", await bed.PythonAsync(id, token, ReachAllowedAndOther));
    }

    [Fact]
    public async Task A_sandbox_from_the_warm_pool_gets_its_policy_on_the_network_its_pool_container_started_in()
    {
        // the pool's container is ready (its lease made under none) before the create takes it
        var ready = await NetworkedServerTestbed.EventuallyAsync(bed.LeasesAsync, l => l.Count == 1 && l.Values.Single().WaitingInPool, TimeSpan.FromSeconds(60));
        var poolKey = Assert.Single(ready.Keys);
        var (id, token) = await CreateAsync(OnlyAllowed);
        Assert.False((await bed.LeasesAsync())[poolKey].WaitingInPool);   // still held: by the sandbox now
        Assert.DoesNotContain(id, (await bed.LeasesAsync()).Keys);
        Assert.Equal($"served-by {Allowed} | ERR URLError | ERR gaierror", await bed.PythonAsync(id, token, ReachAllowedAndOther));
    }

    [Fact]
    public async Task A_sandbox_created_without_a_policy_gets_allow_all_on_a_networked_server()
    {
        var (id, token) = await CreateAsync(network: null);
        var (_, view) = await bed.CallAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", token);
        Assert.Equal("allow_all", (string?)view!["network"]?["egress"]);
        Assert.Equal($"served-by {Allowed} | served-by {Other} | {Other}", await bed.PythonAsync(id, token, ReachAllowedAndOther));
    }

    [Fact]
    public async Task A_policy_put_while_the_sandbox_runs_holds_for_its_next_connection_and_get_shows_it_with_the_bytes()
    {
        var (id, token) = await CreateAsync(new { egress = "allow_all" });
        Assert.Equal($"served-by {Allowed} | served-by {Other} | {Other}", await bed.PythonAsync(id, token, ReachAllowedAndOther));

        var (status, answer) = await bed.CallAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/network", token, new { egress = "allow_list", allow = new[] { "allowed.test" }, deny = new[] { Apex } });
        Assert.True(status == 200, NetworkedServerTestbed.Text(answer));
        Assert.Equal(("allow_list", "allowed.test", $"{Apex}/32"), ((string?)answer!["egress"], (string?)answer["allow"]![0], (string?)answer["deny"]![0]));
        // the answer comes once the rules are in force: the very next connection follows them
        var after = await bed.PythonAsync(id, token, ReachAllowedAndOther + "\nprint(len(get('http://allowed.test/bytes?n=200000')))");
        Assert.Equal($"served-by {Allowed} | ERR URLError | ERR gaierror\n200000", after);

        var (_, view) = await bed.CallAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", token);
        var network = view!["network"]!;
        Assert.Equal("allow_list", (string?)network["egress"]);
        Assert.True((long)network["bytes_received"]! >= 200_000, NetworkedServerTestbed.Text(network));
        Assert.True((long)network["bytes_sent"]! > 0, NetworkedServerTestbed.Text(network));
        var (_, events) = await bed.CallAsync(HttpMethod.Get, $"/v1/sandboxes/{id}/events", token);
        Assert.Contains(events!["events"]!.AsArray(), e => (string?)e!["type"] == "network_policy_changed" && ((string?)e["detail"])!.Contains("allowed.test"));
    }

    [Fact]
    public async Task A_paused_sandbox_holds_no_network_and_resumes_under_its_policy_including_one_put_while_it_was_paused()
    {
        var (id, token) = await CreateAsync(OnlyAllowed, checkpoint: true);
        Assert.StartsWith($"served-by {Allowed} |", await bed.PythonAsync(id, token, ReachAllowedAndOther));
        Assert.Equal("200000", await bed.PythonAsync(id, token, Probe.Code + "print(len(get('http://allowed.test/bytes?n=200000')))"));

        var (paused, pausedView) = await bed.CallAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/pause", token);
        Assert.True(paused == 200, NetworkedServerTestbed.Text(pausedView));
        Assert.Empty(await NetworkedServerTestbed.EventuallyAsync(bed.NonPoolLeftoversAsync, l => l.Count == 0));
        // its lease is gone, its bytes are not: each run's lease counts from zero, the checkpoint keeps the sum
        async Task<long> Received() => (long)(await bed.CallAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", token)).Body!["network"]!["bytes_received"]!;
        var receivedBeforePause = await Received();
        Assert.True(receivedBeforePause >= 200_000, $"received {receivedBeforePause} bytes by the pause");
        var (put, _) = await bed.CallAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/network", token, new { egress = "allow_list", allow = new[] { "other.test" } });
        Assert.Equal(200, put);

        var (resumed, resumedView) = await bed.CallAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/resume", token);
        Assert.True(resumed == 200, NetworkedServerTestbed.Text(resumedView));
        Assert.Equal(("running", "allow_list", "other.test"),
            ((string?)resumedView!["state"], (string?)resumedView["network"]?["egress"], (string?)resumedView["network"]?["allow"]?[0]));
        Assert.Equal($"ERR URLError | served-by {Other} | {Other}",
            await bed.PythonAsync(id, token, Probe.Code + $"print(get('http://{Allowed}/'), '|', get('http://other.test/'), '|', resolve('other.test'))"));
        Assert.True(await Received() > receivedBeforePause, "the bytes of the run after the resume add to those before it");
    }

    [Fact]
    public async Task A_deleted_sandbox_leaves_no_namespace_interface_or_rule_behind()
    {
        var (id, token) = await CreateAsync(OnlyAllowed);
        Assert.NotEmpty(await bed.NonPoolLeftoversAsync());
        var (deleted, _) = await bed.CallAsync(HttpMethod.Delete, $"/v1/sandboxes/{id}", token);
        Assert.Equal(204, deleted);
        Assert.Empty(await NetworkedServerTestbed.EventuallyAsync(bed.NonPoolLeftoversAsync, l => l.Count == 0));
    }

    [Theory]
    [InlineData("allow", "bad..name")]
    [InlineData("deny", "10.0.0.0/33")]
    public async Task A_malformed_entry_is_refused_with_422_naming_it_and_changes_nothing(string field, string entry)
    {
        var (id, token) = await CreateAsync(OnlyAllowed);
        var body = field == "allow" ? (object)new { egress = "allow_list", allow = new[] { entry } } : new { egress = "allow_all", deny = new[] { entry } };
        var (status, problem) = await bed.CallAsync(HttpMethod.Put, $"/v1/sandboxes/{id}/network", token, body);
        Assert.Equal(422, status);
        Assert.Equal(field, (string?)problem!["field"]);
        Assert.Contains(entry, (string?)problem["detail"]);

        var refusedCreate = await bed.Http.PostAsync("/v1/sandboxes", System.Net.Http.Json.JsonContent.Create(new { network = body }));
        var createProblem = JsonNode.Parse(await refusedCreate.Content.ReadAsStringAsync())!;
        Assert.Equal((422, "network." + field), ((int)refusedCreate.StatusCode, (string?)createProblem["field"]));

        var (_, view) = await bed.CallAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", token);
        Assert.Equal("allowed.test", (string?)view!["network"]!["allow"]![0]);
    }
}
