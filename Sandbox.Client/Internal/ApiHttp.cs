using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sandbox.Client.Internal;

/// <summary>Requests to /v1: the key and token headers, JSON both ways, and problems turned into typed exceptions.</summary>
internal sealed class ApiHttp(HttpClient http, string? apiKey)
{
    public HttpClient Http { get; } = http;

    public HttpRequestMessage Request(HttpMethod method, string path, string? token, object? json = null, HttpContent? content = null)
    {
        var req = new HttpRequestMessage(method, path);
        if (apiKey is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        if (token is not null) req.Headers.Add("X-Sandbox-Token", token);
        if (json is not null) req.Content = JsonContent.Create(json, json.GetType(), options: WireJson.Options);
        else if (content is not null) req.Content = content;
        return req;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage req, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var resp = await Http.SendAsync(req, completion, ct).ConfigureAwait(false);
        if (resp.IsSuccessStatusCode) return resp;
        using (resp) throw await ProblemAsync(resp, ct).ConfigureAwait(false);
    }

    public async Task<T> JsonAsync<T>(HttpMethod method, string path, string? token, object? body, CancellationToken ct)
    {
        using var req = Request(method, path, token, body);
        using var resp = await SendAsync(req, ct).ConfigureAwait(false);
        return (await resp.Content.ReadFromJsonAsync<T>(WireJson.Options, ct).ConfigureAwait(false))
            ?? throw new SandboxException($"{method} {path} answered an empty body");
    }

    public async Task NoContentAsync(HttpMethod method, string path, string? token, object? body, CancellationToken ct)
    {
        using var req = Request(method, path, token, body);
        using var _ = await SendAsync(req, ct).ConfigureAwait(false);
    }

    public static async Task<SandboxApiException> ProblemAsync(HttpResponseMessage resp, CancellationToken ct)
    {
        var retry = resp.Headers.RetryAfter?.Delta;
        string body;
        try { body = await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false); }
        catch (HttpRequestException) { body = ""; }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var r = doc.RootElement;
            string? S(string n) => r.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return SandboxApiException.Create(resp.StatusCode, S("type"), S("title"), S("detail") ?? $"HTTP {(int)resp.StatusCode}", S("field"), retry);
        }
        catch (JsonException)
        {
            return SandboxApiException.Create(resp.StatusCode, null, resp.ReasonPhrase,
                body.Length > 0 ? body : $"HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}", null, retry);
        }
    }

    public static string Q(string s) => Uri.EscapeDataString(s);
}
