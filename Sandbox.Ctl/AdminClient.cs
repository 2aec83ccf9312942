using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Sandbox.Ctl;

/// <summary>A failure to report to the operator: the message is the whole story, no stack trace.</summary>
public sealed class CtlException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Calls one node's admin API and turns every failure into a clear <see cref="CtlException"/>.</summary>
public sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    public Uri Node { get; }

    public AdminClient(string node, string? token, TimeSpan timeout)
    {
        if (!Uri.TryCreate(node.Contains("://") ? node : "http://" + node, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CtlException($"--node must be an http(s) URL such as http://127.0.0.1:9110, not '{node}'", 2);
        Node = uri;
        _http = new HttpClient { BaseAddress = uri, Timeout = timeout };
        if (token is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await Call(() => _http.SendAsync(request, ct));
        var text = await response.Content.ReadAsStringAsync(ct);
        Check(response, text);
        try { return JsonDocument.Parse(text).RootElement.Clone(); }
        catch (JsonException) { throw new CtlException($"{Node} answered {path} with something that is not JSON: {Truncate(text)}"); }
    }

    /// <summary>The data lines of a server-sent event stream, until it ends or <paramref name="ct"/> fires.</summary>
    public async IAsyncEnumerable<JsonElement> StreamAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var streaming = new HttpClient { BaseAddress = Node, Timeout = Timeout.InfiniteTimeSpan };
        streaming.DefaultRequestHeaders.Authorization = _http.DefaultRequestHeaders.Authorization;
        using var response = await Call(() => streaming.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct));
        if (!response.IsSuccessStatusCode) Check(response, await response.Content.ReadAsStringAsync(ct));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            yield return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
        }
    }

    private async Task<HttpResponseMessage> Call(Func<Task<HttpResponseMessage>> send)
    {
        try { return await send(); }
        catch (HttpRequestException e)
        {
            throw new CtlException($"cannot reach the admin API at {Node} ({e.Message}). Is the node running with its admin API on? Point at it with --node URL or SANDBOXCTL_NODE.");
        }
        catch (TaskCanceledException) when (!_disposed)
        {
            throw new CtlException($"the admin API at {Node} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }
    }

    private void Check(HttpResponseMessage response, string text)
    {
        if (response.IsSuccessStatusCode) return;
        var detail = Detail(text);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            throw new CtlException($"{Node} refused the request: {detail ?? "unauthorized"}. Pass the node's SANDBOX_ADMIN_TOKEN with --token or SANDBOXCTL_TOKEN.", 3);
        throw new CtlException($"{detail ?? Truncate(text)} (HTTP {(int)response.StatusCode} from {Node})", response.StatusCode == HttpStatusCode.NotFound ? 4 : 1);
    }

    private static string? Detail(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
        }
        catch (JsonException) { return null; }
    }

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "…" : s;

    private bool _disposed;

    public void Dispose()
    {
        _disposed = true;
        _http.Dispose();
    }
}
