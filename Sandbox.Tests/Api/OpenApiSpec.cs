using System.Net;
using System.Text.Json;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Api;

/// <summary>GET /openapi/v1.json describes the whole /v1 surface (API-v1.md, first paragraph).</summary>
public class OpenApiSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    /// <summary>Every route of API-v1.md §2–§6, as method and path template.</summary>
    public static readonly (string Method, string Path)[] Routes =
    [
        ("post", "/v1/sandboxes"), ("get", "/v1/sandboxes"), ("get", "/v1/sandboxes/{id}"), ("delete", "/v1/sandboxes/{id}"),
        ("get", "/v1/sandboxes/{id}/events"), ("post", "/v1/sandboxes/{id}/ttl"),
        ("post", "/v1/sandboxes/{id}/pause"), ("post", "/v1/sandboxes/{id}/resume"), ("post", "/v1/sandboxes/{id}/fork"),
        ("put", "/v1/sandboxes/{id}/network"),
        ("put", "/v1/sandboxes/{id}/files"), ("get", "/v1/sandboxes/{id}/files"), ("delete", "/v1/sandboxes/{id}/files"),
        ("get", "/v1/sandboxes/{id}/files/list"), ("get", "/v1/sandboxes/{id}/files/stat"), ("post", "/v1/sandboxes/{id}/files/mkdir"),
        ("get", "/v1/sandboxes/{id}/files/watch"),
        ("post", "/v1/sandboxes/{id}/processes"), ("get", "/v1/sandboxes/{id}/processes"), ("get", "/v1/sandboxes/{id}/processes/{pid}"),
        ("get", "/v1/sandboxes/{id}/processes/{pid}/output"), ("post", "/v1/sandboxes/{id}/processes/{pid}/stdin"),
        ("post", "/v1/sandboxes/{id}/processes/{pid}/signal"), ("post", "/v1/sandboxes/{id}/processes/{pid}/resize"),
        ("get", "/v1/sandboxes/{id}/processes/{pid}/attach"),
    ];

    private async Task<JsonElement> Document()
    {
        using var http = new HttpClient { BaseAddress = server.HttpBase };
        var r = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task The_document_lists_every_v1_route_and_nothing_else()
    {
        var doc = await Document();
        var paths = doc.GetProperty("paths");
        foreach (var (method, path) in Routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the document");
            Assert.True(item.TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} is missing from the document");
        }
        foreach (var p in paths.EnumerateObject()) Assert.StartsWith("/v1/", p.Name);
        var operations = paths.EnumerateObject().Sum(p => p.Value.EnumerateObject().Count());
        Assert.Equal(Routes.Length, operations);
    }

    [Fact]
    public async Task Every_route_documents_its_problem_responses_as_problem_json()
    {
        var doc = await Document();
        foreach (var (method, path) in Routes)
        {
            var responses = doc.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
            var problems = responses.EnumerateObject().Where(r => r.Name.StartsWith('4') || r.Name.StartsWith('5')).ToList();
            Assert.True(problems.Count >= 2, $"{method} {path} documents no problem responses");
            foreach (var p in problems)
                Assert.True(p.Value.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path} {p.Name} is not problem+json");
        }
        Assert.True(doc.GetProperty("paths").GetProperty("/v1/sandboxes").GetProperty("post").GetProperty("responses").TryGetProperty("429", out _));
    }

    [Fact]
    public async Task Schemas_use_the_wire_names_and_describe_their_fields()
    {
        var doc = await Document();
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        var view = schemas.GetProperty("SandboxView").GetProperty("properties");
        foreach (var name in new[] { "sandbox_id", "sandbox_token", "state", "labels", "created_at", "expires_at", "network", "node", "ended_reason" })
            Assert.True(view.TryGetProperty(name, out _), $"SandboxView has no '{name}'");
        Assert.Contains("killed", view.GetProperty("ended_reason").GetProperty("description").GetString());
        var create = schemas.GetProperty("CreateSandboxRequest").GetProperty("properties");
        Assert.Contains("idle timeout", create.GetProperty("ttl_seconds").GetProperty("description").GetString());
        foreach (var schema in schemas.EnumerateObject().Where(s => s.Value.TryGetProperty("properties", out _)))
            foreach (var field in schema.Value.GetProperty("properties").EnumerateObject())
                Assert.True(field.Value.TryGetProperty("description", out var d) && d.GetString()!.Length > 5, $"{schema.Name}.{field.Name} has no description");
        // members are named as the wire names them, and numbers are numbers (the API reads them strictly)
        var process = schemas.GetProperty("ProcessRequest");
        Assert.DoesNotContain("ProcessRequest.", process.GetRawText());
        Assert.Contains("code", process.GetProperty("properties").GetProperty("language").GetProperty("description").GetString());
        Assert.DoesNotContain("string", process.GetProperty("properties").GetProperty("timeout_seconds").GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        var problem = schemas.GetProperty("ProblemBody").GetProperty("properties");
        Assert.Contains("change", problem.GetProperty("detail").GetProperty("description").GetString());
        // query parameters are documented with what they take
        var output = doc.GetProperty("paths").GetProperty("/v1/sandboxes/{id}/processes/{pid}/output").GetProperty("get").GetProperty("parameters");
        Assert.Contains(output.EnumerateArray(), p => p.GetProperty("name").GetString() == "offset" && p.GetProperty("in").GetString() == "query");
        Assert.Contains(output.EnumerateArray(), p => p.GetProperty("name").GetString() == "X-Sandbox-Token" && p.GetProperty("in").GetString() == "header");
    }
}
