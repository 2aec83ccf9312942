using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Api;

/// <summary>A raw HTTP client for /v1 as curl would use it: JSON in, status and JSON (or problem) out.</summary>
public sealed class V1Http(Uri httpBase, string? apiKey = null) : IDisposable
{
    public V1Http(ServerFixture server, string? apiKey = null) : this(server.HttpBase, apiKey) { }

    public HttpClient Http { get; } = Create(httpBase, apiKey);

    private static HttpClient Create(Uri baseUri, string? key)
    {
        var h = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(120) };
        if (key is not null) h.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return h;
    }

    public async Task<Answer> SendAsync(HttpMethod method, string path, object? json = null, string? token = null, string? rawBody = null, string contentType = "application/json")
    {
        using var req = new HttpRequestMessage(method, path);
        if (json is not null) req.Content = JsonContent.Create(json);
        else if (rawBody is not null) req.Content = new StringContent(rawBody, Encoding.UTF8, contentType);
        if (token is not null) req.Headers.Add("X-Sandbox-Token", token);
        using var resp = await Http.SendAsync(req);
        var body = await resp.Content.ReadAsStringAsync();
        return new Answer(resp.StatusCode, resp.Content.Headers.ContentType?.MediaType, body,
            resp.Headers.RetryAfter?.Delta, resp.Headers.Location?.ToString());
    }

    public Task<Answer> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, token: token);
    public Task<Answer> PostAsync(string path, object? json = null, string? token = null) => SendAsync(HttpMethod.Post, path, json ?? new { }, token);
    public Task<Answer> DeleteAsync(string path, string? token = null) => SendAsync(HttpMethod.Delete, path, token: token);

    /// <summary>POST /v1/sandboxes, asserting 201; the id and token of the new sandbox.</summary>
    public async Task<(string Id, string Token, JsonElement View)> CreateAsync(object? body = null)
    {
        var a = await PostAsync("/v1/sandboxes", body ?? new { idle_timeout = 120 });
        Assert.True(a.Status == HttpStatusCode.Created, $"create answered {(int)a.Status}: {a.Body}");
        var v = a.Json;
        return (v.GetProperty("sandbox_id").GetString()!, v.GetProperty("sandbox_token").GetString()!, v);
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>What a /v1 route answered.</summary>
public sealed record Answer(HttpStatusCode Status, string? ContentType, string Body, TimeSpan? RetryAfter, string? Location)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>Asserts an RFC 9457 problem with this status and returns its detail.</summary>
    public string Problem(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"expected {(int)expected}, got {(int)Status}: {Body}");
        Assert.Equal("application/problem+json", ContentType);
        var p = Json;
        Assert.Equal((int)expected, p.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("title").GetString()));
        Assert.StartsWith("urn:", p.GetProperty("type").GetString());
        var detail = p.GetProperty("detail").GetString()!;
        Assert.True(detail.Length > 15, "a detail a person can act on: " + detail);
        return detail;
    }

    public string? Field => Json.TryGetProperty("field", out var f) ? f.GetString() : null;
}
