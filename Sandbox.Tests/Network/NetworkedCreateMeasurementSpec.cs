using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Sandbox.Actors.Runsc;
using Sandbox.Tests.Support;
using Xunit.Abstractions;
using static Sandbox.Tests.Network.NetworkTestbed;

namespace Sandbox.Tests.Network;

/// <summary>
/// What a user's create costs with networking on, measured where users meet it: POST /v1/sandboxes
/// on a networked server (its node in the testbed's namespace, an allow_list policy) against the same
/// call on a server with networking off, both taking a container from a warm pool of one, in
/// alternating rounds of one run. The numbers are printed (<c>scripts/benchmark.sh network</c>); only
/// the outcomes are asserted.
/// </summary>
[Collection(NetworkedServerCollection.Name)]
public sealed class NetworkedCreateMeasurementSpec(NetworkedServerTestbed bed, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rounds = 10;

    /// <summary>A server with networking off and, like the networked one, a warm pool of one.</summary>
    private sealed class UnnetworkedServer : ServerFixture
    {
        protected override string? ExtraEnvironment(string name) => name is "SANDBOX_WARM_POOL_SIZE" or "SANDBOX_WARM_POOL_MAX" ? "1" : null;
        public bool PoolIsReady => App.Services.GetRequiredService<WarmPool>().WaitingKeys.Count == 1;
    }

    private readonly UnnetworkedServer _plain = new();
    public Task InitializeAsync() => _plain.InitializeAsync();
    public Task DisposeAsync() => _plain.DisposeAsync();

    [Fact]
    public async Task Create_from_the_warm_pool_with_a_policy_and_with_networking_off()
    {
        using var plainHttp = new HttpClient { BaseAddress = _plain.HttpBase };
        var plain = new List<double>();
        var networked = new List<double>();

        async Task<double> CreatePlainAsync()
        {
            var watch = Stopwatch.StartNew();
            var response = await plainHttp.PostAsJsonAsync("/v1/sandboxes", new { idle_timeout = 60 });
            var ms = watch.Elapsed.TotalMilliseconds;
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
            var created = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!;
            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/v1/sandboxes/{created["sandbox_id"]}");
            delete.Headers.Add("X-Sandbox-Token", (string)created["sandbox_token"]!);
            Assert.Equal(System.Net.HttpStatusCode.NoContent, (await plainHttp.SendAsync(delete)).StatusCode);
            return ms;
        }

        async Task<double> CreateNetworkedAsync(bool probe)
        {
            var watch = Stopwatch.StartNew();
            var (id, token) = await bed.CreateAsync(new { idle_timeout = 60, network = new { egress = "allow_list", allow = new[] { "allowed.test" } } });
            var ms = watch.Elapsed.TotalMilliseconds;
            if (probe) Assert.Equal($"served-by {Allowed}", await bed.PythonAsync(id, token, Probe.Code + "print(get('http://allowed.test/'))"));
            Assert.Equal(204, (await bed.CallAsync(HttpMethod.Delete, $"/v1/sandboxes/{id}", token)).Status);
            return ms;
        }

        // round 0 warms both servers' code paths up and is not counted; the order alternates so that
        // neither side always runs while the other's deleted container is still being torn down
        for (var round = 0; round <= Rounds; round++)
        {
            var refill = TimeSpan.FromSeconds(60);
            Assert.True(await NetworkedServerTestbed.EventuallyAsync(() => Task.FromResult(_plain.PoolIsReady), ready => ready, refill), "the unnetworked server's pool did not refill");
            Assert.True(await NetworkedServerTestbed.EventuallyAsync(async () => (await bed.LeasesAsync()).Values.Count(l => l.WaitingInPool), n => n == 1, refill) == 1,
                "the networked server's pool did not refill");
            double p, n;
            if (round % 2 == 0) { p = await CreatePlainAsync(); n = await CreateNetworkedAsync(probe: round == Rounds); }
            else { n = await CreateNetworkedAsync(probe: round == Rounds); p = await CreatePlainAsync(); }
            output.WriteLine($"round {round}{(round == 0 ? " (warm-up)" : "")}: networking off {p:0.0} ms, networked with an allow_list {n:0.0} ms");
            if (round == 0) continue;
            plain.Add(p);
            networked.Add(n);
        }
        var median = NetworkMeasurementSpec.Median;
        output.WriteLine($"server create from the warm pool, networking off:         median {median(plain):0.0} ms");
        output.WriteLine($"server create from the warm pool, networked (allow_list): median {median(networked):0.0} ms");
        output.WriteLine($"delta of the medians: {median(networked) - median(plain):0.0} ms; median of the pairwise deltas: {median(networked.Zip(plain, (a, b) => a - b)):0.0} ms");
        Assert.Equal(Rounds, networked.Count);
    }
}
