using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Sandbox.Tests.Mcp;

/// <summary>An agent's MCP session against /mcp with the official C# client, and readers for its results.</summary>
public static class McpSession
{
    public static async Task<McpClient> ConnectAsync(Uri httpBase, string? apiKey = null, HttpClient? http = null)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri(httpBase, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = apiKey is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + apiKey },
        };
        var transport = http is null ? new HttpClientTransport(options) : new HttpClientTransport(options, http, ownsHttpClient: false);
        return await McpClient.CreateAsync(transport, new McpClientOptions { ClientInfo = new Implementation { Name = "sandbox-tests", Version = "1" } });
    }

    public static Task<CallToolResult> CallAsync(this McpClient c, string tool, object args, IProgress<ProgressNotificationValue>? progress = null) =>
        c.CallToolAsync(tool, JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(args))!, progress,
            cancellationToken: new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token).AsTask();

    public static string Text(this CallToolResult r) => string.Concat(r.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static JsonElement Data(this CallToolResult r) =>
        r.StructuredContent is { } s ? JsonSerializer.SerializeToElement(s) : throw new InvalidOperationException("no structured content: " + r.Text());

    /// <summary>Asserts a successful tool result.</summary>
    public static CallToolResult Ok(this CallToolResult r)
    {
        Assert.True(r.IsError is not true, "tool failed: " + r.Text());
        return r;
    }

    /// <summary>Asserts a failed tool result (never a protocol error) and returns its text.</summary>
    public static string Failed(this CallToolResult r)
    {
        Assert.True(r.IsError is true, "expected a failure, got: " + r.Text());
        var text = r.Text();
        Assert.True(text.Length > 20, "a sentence the model can act on: " + text);
        return text;
    }
}
