using System.Net;
using System.Text;
using Sandbox.Tests.Support;
using Xunit.Abstractions;

namespace Sandbox.Tests.Fuzz;

/// <summary>
/// Issue 8 (hostile input) over HTTP: garbage query strings, wrong methods and content types, huge
/// and malformed requests, and slow clients. Each gets a clear status; Kestrel's limits cut the slow
/// ones; a WebSocket session running alongside keeps working.
/// </summary>
public class HttpFuzzSpec(FuzzServerFixture server, ITestOutputHelper output) : IClassFixture<FuzzServerFixture>
{
    private int Port => server.HttpBase.Port;

    private static string Post(string target, string body, string contentType = "text/plain") =>
        $"POST {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    private static string Junk(Random r, int length, string alphabet = "abcxyz0189%&=;+?#/-_.~!$'()*,:@[]") =>
        new(Enumerable.Range(0, length).Select(_ => alphabet[r.Next(alphabet.Length)]).ToArray());

    /// <summary>A request target built from a fuzz alphabet that never spells a parameter named
    /// "language" (keys start with x), so the outcome is known without running code.</summary>
    private static (string Request, int Status, string Detail) NextRequest(Random r)
    {
        switch (r.Next(7))
        {
            case 0:   // junk parameters, no language: python by default, and an empty body
                return (Post($"/execute?x{Junk(r, r.Next(0, 40))}", ""), 400, "Empty body");
            case 1:   // a language that is not one
            {
                var lang = Junk(r, r.Next(1, 20), "ABCpythonbash%2500%ff");
                if (Uri.UnescapeDataString(lang) is "python" or "bash") lang = "cobol";
                return (Post($"/execute?language={lang}&x{Junk(r, 5)}", "print(1)"), 400, "Unsupported language");
            }
            case 2:   // the parameter twice
                return (Post("/execute?language=python&language=bash", "print(1)"), 400, "Unsupported language: 'python,bash'");
            case 3:   // wrong method for the route
            {
                var (method, path) = new[] { ("GET", "/execute"), ("PUT", "/execute"), ("DELETE", "/execute"), ("PATCH", "/execute?language=bash"), ("POST", "/status"), ("PUT", "/"), ("POST", "/list") }[r.Next(7)];
                return ($"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 405, "");
            }
            case 4:   // no such route
                return ($"GET /x{Junk(r, r.Next(0, 60), "abcxyz019-_./~")} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "");
            case 5:   // the WebSocket routes without an upgrade
                return ($"{(r.Next(2) == 0 ? "GET" : "POST")} {(r.Next(2) == 0 ? "/create" : $"/attach/sandbox-{Junk(r, 4, "0123abc")}?sandbox_token={Junk(r, 8)}")} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 400, "");
            default:  // a target Kestrel itself refuses: raw control or non-ASCII bytes, or no HTTP version
                var bad = new[] { "/execute?language=py\u0001thon", "/exe cute", "/execute?language=\u00e9" }[r.Next(3)];
                return ($"POST {bad} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 400, "");
        }
    }

    [Fact]
    public async Task Garbage_query_strings_wrong_methods_and_unknown_routes_get_clear_statuses()
    {
        await FuzzSeed.RunAsync(output, async rng =>
        {
            await using var bystander = await Bystander.StartAsync(server.WsBase);
            var deadline = DateTime.UtcNow.AddSeconds(40);
            var sent = 0;
            while (sent < 300 && DateTime.UtcNow < deadline)
            {
                var (request, status, detail) = NextRequest(rng);
                var r = await RawHttp.SendAsync(Port, request, TimeSpan.FromSeconds(20));
                sent++;
                Assert.True(r.Status == status, $"request {sent}: {request.Split("\r\n")[0]} → {r.Status} (expected {status})\n{r.Head}\n{r.Body}");
                Assert.Contains(detail, r.Body);
            }
            output.WriteLine($"{sent} requests; bystander ran {bystander.Completed} executions");
            Assert.True(sent >= 100, $"only {sent} requests in the time budget");
            Assert.Empty(await bystander.StopAsync());
        });
    }

    [Fact]
    public async Task Oversized_and_malformed_requests_are_refused_by_status()
    {
        var limit = FuzzServerFixture.MaxExecuteBodyBytes;
        // declared too big: refused before a byte of the body is read
        var declared = await RawHttp.SendAsync(Port, $"POST /execute?language=python HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10000000000\r\n\r\n", TimeSpan.FromSeconds(20));
        Assert.Equal(413, declared.Status);
        Assert.Contains($"Request body too large: the limit is {limit} bytes.", declared.Body);
        // streamed (chunked, no length) past the limit
        using (var http = new HttpClient { BaseAddress = server.HttpBase })
        {
            var content = new StreamContent(new MemoryStream(new byte[limit * 4]));
            var r = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/execute?language=python") { Content = content, Headers = { TransferEncodingChunked = true } });
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
            Assert.Contains("Request body too large", await r.Content.ReadAsStringAsync());
        }
        Assert.Equal(400, (await RawHttp.SendAsync(Port, "GARBAGE\r\n\r\n", TimeSpan.FromSeconds(10))).Status);
        Assert.Equal(400, (await RawHttp.SendAsync(Port, "POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", TimeSpan.FromSeconds(10))).Status);
        Assert.Equal(400, (await RawHttp.SendAsync(Port, "POST /execute HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", TimeSpan.FromSeconds(10))).Status);
        Assert.Equal(414, (await RawHttp.SendAsync(Port, $"GET /status?{new string('a', 10_000)} HTTP/1.1\r\nHost: x\r\n\r\n", TimeSpan.FromSeconds(10))).Status);
        Assert.Equal(431, (await RawHttp.SendAsync(Port, $"GET /status HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', 40_000)}\r\n\r\n", TimeSpan.FromSeconds(10))).Status);
        var many = string.Concat(Enumerable.Range(0, 150).Select(i => $"X-H{i}: v\r\n"));
        Assert.Equal(431, (await RawHttp.SendAsync(Port, $"GET /status HTTP/1.1\r\nHost: x\r\n{many}\r\n", TimeSpan.FromSeconds(10))).Status);
        // and the server still answers normally
        Assert.Equal(200, (await RawHttp.SendAsync(Port, "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(10))).Status);
    }

    [Fact]
    public async Task Any_content_type_runs_the_body_and_json_is_read_as_code()
    {
        var cases = new[]
        {
            ("text/plain", "print(7)"),
            ("application/octet-stream", "print(7)"),
            ("application/x-www-form-urlencoded", "print(7)"),
            (";;;=garbage", "print(7)"),
            ("application/json", "{\"code\": \"print(7)\"}"),
            ("application/json", "print(7)"),   // not JSON after all: run as written
        };
        foreach (var (type, body) in cases)
        {
            var r = await RawHttp.SendAsync(Port, Post("/execute?language=python", body, type), TimeSpan.FromSeconds(60));
            Assert.True(r.Status == 200, $"{type}: {r.Status}\n{r.Head}\n{r.Body}");
            Assert.Contains("7\n", r.Body);   // chunked framing around it
        }
    }

    [Fact]
    public async Task Slow_clients_are_cut_by_the_server_while_a_neighbour_keeps_working()
    {
        await using var bystander = await Bystander.StartAsync(server.WsBase);
        var headersTimeout = FuzzServerFixture.HeadersTimeout;
        // slowloris: headers that never finish, one byte every 300 ms
        var slowHeaders = Enumerable.Range(0, 20).Select(_ => RawHttp.TrickleAsync(Port,
            "POST /execute?language=python HTTP/1.1\r\nHost: x\r\n", new string('h', 200) + ": x\r\n\r\n", TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(40)));
        // slow body: a declared 100 kB body at about 3 bytes a second (the minimum is 240 after a 5 s grace)
        var slowBodies = Enumerable.Range(0, 10).Select(_ => RawHttp.TrickleAsync(Port,
            "POST /execute?language=python HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n", new string('#', 1000), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(40)));
        var headers = await Task.WhenAll(slowHeaders);
        var bodies = await Task.WhenAll(slowBodies);
        foreach (var h in headers)
        {
            Assert.True(h.Status is 408 or 0, $"slow headers: {h.Status} after {h.Elapsed}\n{h.Head}");
            Assert.True(h.Elapsed < headersTimeout + TimeSpan.FromSeconds(8), $"slow headers held the connection for {h.Elapsed}");
        }
        foreach (var b in bodies)
        {
            Assert.True(b.Status is 408 or 0, $"slow body: {b.Status} after {b.Elapsed}\n{b.Head}\n{b.Body}");
            Assert.True(b.Elapsed < TimeSpan.FromSeconds(20), $"a slow body held the connection for {b.Elapsed}");
        }
        output.WriteLine($"slow headers cut after {headers.Max(h => h.Elapsed).TotalSeconds:0.0} s at most, slow bodies after {bodies.Max(b => b.Elapsed).TotalSeconds:0.0} s; statuses {string.Join(",", headers.Concat(bodies).Select(x => x.Status).Distinct())}");
        Assert.True(bystander.Completed > 0);
        Assert.Empty(await bystander.StopAsync());
    }
}
