using System.Net;
using Sandbox.Core.Sandboxes;

namespace Sandbox.Tests.Api;

/// <summary>Every /v1 route works through any gateway of the cluster, for a sandbox on another node (API-v1.md §1).</summary>
public class V1ClusterSpec(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Files_and_processes_of_a_sandbox_on_the_host_work_through_the_gateway_only_node()
    {
        using var host = new V1Http(cluster.Host);
        using var gateway = new V1Http(cluster.Gateway);
        var (id, token, _) = await gateway.CreateAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync($"/v1/sandboxes/{id}", token)).Status);
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/sandboxes/{id}/files?path=/x/blob") { Content = new ByteArrayContent(bytes) })
        {
            put.Headers.Add("X-Sandbox-Token", token);
            Assert.Equal(HttpStatusCode.Created, (await gateway.Http.SendAsync(put)).StatusCode);
        }
        using (var get = new HttpRequestMessage(HttpMethod.Get, $"/v1/sandboxes/{id}/files?path=/x/blob"))
        {
            get.Headers.Add("X-Sandbox-Token", token);
            Assert.Equal(bytes, await (await gateway.Http.SendAsync(get)).Content.ReadAsByteArrayAsync());
        }
        var run = await V1ProcessesSpec.RunAsync(gateway, id, token, new { cmd = new[] { "bash", "-c", "seq 1 3000" } });
        Assert.Equal(string.Concat(Enumerable.Range(1, 3000).Select(i => $"{i}\n")), run.Stdout);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.DeleteAsync($"/v1/sandboxes/{id}", token)).Status);
    }

    [Fact]
    public async Task A_process_keeps_running_with_its_offsets_through_a_handoff_between_gateways()
    {
        const string S = "status:";
        var (first, id, token) = await CheckpointSpec.Create(cluster.Host, new { idle_timeout = 120, enable_checkpoint = true, enable_sandbox_handoff = true });
        await using var _f = first;
        using var host = new V1Http(cluster.Host);
        using var gateway = new V1Http(cluster.Gateway);
        var pid = await V1ProcessesSpec.StartAsync(host, id, token, V1ProcessesSpec.Counter);
        var before = await V1ProcessesSpec.CountedPastAsync(host, id, token, pid, 5);

        // a second client takes the session over through the other gateway
        await using var second = await CheckpointSpec.Attach(cluster.Gateway, id, token);
        Assert.Equal([S + SandboxStatus.Running], await second.ReadUntilAsync(e => e.StartsWith(S)));
        await first.ReadUntilAsync(e => e == S + SandboxStatus.Checkpointed);

        // the process never noticed: its log continues where it was, every line once, through either gateway
        var after = await V1ProcessesSpec.CountedPastAsync(gateway, id, token, pid, V1ProcessesSpec.AssertCountsFromOne(before));
        Assert.StartsWith(before, after);
        Assert.Equal(after[before.Length..], (await V1ProcessesSpec.StdoutFromAsync(gateway, id, token, pid, before.Length))[..(after.Length - before.Length)]);
        var listed = (await gateway.GetAsync($"/v1/sandboxes/{id}/processes", token)).Json;
        Assert.Contains(listed.GetProperty("processes").EnumerateArray(), p => p.GetProperty("process_id").GetString() == pid && p.GetProperty("state").GetString() == "running");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.DeleteAsync($"/v1/sandboxes/{id}", token)).Status);
    }
}
