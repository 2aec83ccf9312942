using System.Diagnostics;
using System.Net;
using System.Text;
using Sandbox.Tests.Support;

namespace Sandbox.Tests;

/// <summary>HTTP POST /execute against a real node and real gVisor (PROTOCOL.md §11).</summary>
public class ExecuteEndpointSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = new() { BaseAddress = server.HttpBase, Timeout = TimeSpan.FromSeconds(120) };

    private async Task<(HttpStatusCode Status, string Body)> Execute(string code, string? language = "python")
    {
        var url = language is null ? "/execute" : $"/execute?language={language}";
        var r = await _http.PostAsync(url, new StringContent(code, Encoding.UTF8, "text/plain"));
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Python_code_prints_its_result()
    {
        var (status, body) = await Execute("print(6*7)");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("42\n", body);
    }

    [Fact]
    public async Task Liveness_routes_answer_as_the_reference_server_did()
    {
        Assert.Equal("{\"message\":\"Server is running\"}", await _http.GetStringAsync("/"));
        Assert.Equal("{\"status\":\"ok\"}", await _http.GetStringAsync("/status"));
    }

    [Fact]
    public async Task Python_is_the_default_language()
    {
        var (_, body) = await Execute("import sys; print(sys.version_info[0])", language: null);
        Assert.Equal("3\n", body);
    }

    [Fact]
    public async Task Bash_runs_and_its_stderr_and_failing_exit_are_streamed_as_text()
    {
        var (status, body) = await Execute("echo out; echo err >&2; exit 3", "bash");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("out\n", body);
        Assert.Contains("err\n", body);
    }

    [Fact]
    public async Task A_python_exception_shows_its_traceback()
    {
        var (_, body) = await Execute("x = 1\nraise ValueError('boom')");
        Assert.Contains("Traceback (most recent call last):", body);
        Assert.Contains("line 2", body);
        Assert.Contains("ValueError: boom", body);
        Assert.DoesNotContain("run_python", body);   // the runner's own frames stay out of user tracebacks
    }

    [Fact]
    public async Task Everyday_tools_work_inside_the_sandbox()
    {
        var (_, body) = await Execute("ls -la / >/tmp/ls.txt 2>/dev/null; echo ls=$?; grep -c ' usr$' /tmp/ls.txt; stat -c '%n %F' /etc; python3 -c 'print(\"py\", 1+1)'; bash --version | head -n1", "bash");
        Assert.Contains("ls=0", body);
        Assert.Contains("1\n", body);
        Assert.Contains("/etc directory", body);
        Assert.Contains("py 2", body);
        Assert.Contains("GNU bash", body);
    }

    [Fact]
    public async Task The_sandbox_sees_its_own_root_filesystem_not_the_hosts()
    {
        var marker = Path.Combine(server.Dir, "host-only-marker");
        await File.WriteAllTextAsync(marker, "secret");
        var (_, body) = await Execute($"test -e {marker} && echo visible || echo invisible; cat /etc/debian_version", "bash");
        Assert.Contains("invisible", body);
        Assert.Matches(@"\n?12\.\d+", body);
    }

    [Fact]
    public async Task Output_streams_while_the_program_runs()
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/execute?language=python")
        {
            Content = new StringContent("import time\nprint('first')\ntime.sleep(3)\nprint('second')"),
        };
        var sw = Stopwatch.StartNew();
        using var r = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await r.Content.ReadAsStreamAsync());
        Assert.Equal("first", await reader.ReadLineAsync());
        var firstAt = sw.Elapsed;
        Assert.Equal("second", await reader.ReadLineAsync());
        Assert.True(sw.Elapsed - firstAt > TimeSpan.FromSeconds(2), $"first line came at {firstAt}, the second at {sw.Elapsed}");
    }

    [Fact]
    public async Task A_program_reading_stdin_gets_end_of_file()
    {
        var (_, body) = await Execute("import sys\ndata = sys.stdin.read()\nprint('eof', len(data))");
        Assert.Equal("eof 0\n", body);
    }

    [Fact]
    public async Task Large_output_written_in_big_chunks_arrives_whole()
    {
        // Under gVisor a pipe write over 64 KiB can be partial; unbuffered Python would drop the rest.
        var (_, body) = await Execute("import sys\nfor i in range(200):\n    sys.stdout.write('x' * 100000)\nsys.stdout.write('END')");
        Assert.Equal(20_000_003, body.Length);
        Assert.EndsWith("END", body);
    }

    [Fact]
    public async Task Unsupported_language_is_refused_naming_the_supported_ones()
    {
        var (status, body) = await Execute("puts 1", "ruby");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("python, bash", body);
    }

    [Fact]
    public async Task Empty_body_is_refused()
    {
        var (status, body) = await Execute("");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Empty body", body);
    }

    [Fact]
    public async Task Body_over_the_limit_is_refused_with_413()
    {
        var (status, _) = await Execute(new string('#', (int)server.Settings.Gateway.MaxExecuteBodyBytes + 10));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
    }

    [Fact]
    public async Task Twenty_concurrent_requests_are_all_answered_correctly()
    {
        var runs = Enumerable.Range(0, 20).Select(async i =>
        {
            var (status, body) = await Execute($"print({i} * 3)");
            return (i, status, body);
        });
        foreach (var (i, status, body) in await Task.WhenAll(runs))
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal($"{i * 3}\n", body);
        }
    }

    [Fact]
    public async Task A_client_that_leaves_mid_run_leaves_no_container_behind()
    {
        using var cts = new CancellationTokenSource();
        var req = new HttpRequestMessage(HttpMethod.Post, "/execute?language=bash")
        {
            Content = new StringContent("echo started; sleep 60"),
        };
        var r = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var reader = new StreamReader(await r.Content.ReadAsStreamAsync(cts.Token));
        Assert.Equal("started", await reader.ReadLineAsync(cts.Token));
        var bundles = Path.Combine(server.Dir, "bundles");
        Assert.NotEmpty(Directory.GetDirectories(bundles));
        r.Dispose();   // the client goes away
        await Eventually(() => Assert.Empty(Directory.GetDirectories(bundles)), TimeSpan.FromSeconds(20));
    }

    internal static async Task Eventually(Func<Task> assertion, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try { await assertion(); return; }
            catch (Exception) when (DateTime.UtcNow < deadline) { await Task.Delay(200); }
        }
    }

    internal static async Task Eventually(Action assertion, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try { assertion(); return; }
            catch (Exception) when (DateTime.UtcNow < deadline) { await Task.Delay(200); }
        }
    }
}
