using System.Net;

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
}
