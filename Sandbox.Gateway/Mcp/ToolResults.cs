using System.Text.Json;
using ModelContextProtocol.Protocol;
using Sandbox.Gateway.Api;
using Sandbox.Gateway.Api.Rest;

namespace Sandbox.Gateway.Mcp;

/// <summary>Tool answers: text a model reads, structured content where the answer is data, and failures as
/// <c>isError</c> results with a sentence that says what to do (never protocol errors).</summary>
public static class ToolResults
{
    public static CallToolResult Text(string text, object? data = null) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        StructuredContent = data is null ? null : JsonSerializer.SerializeToElement(data, V1Json.Options),
    };

    public static CallToolResult Failure(string text, string kind, string? field = null) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = text }],
        StructuredContent = JsonSerializer.SerializeToElement(new { error = kind, detail = text, field }, V1Json.Options),
    };

    public static CallToolResult Failure(ApiError e) => Failure(e.Detail + Hint(e), KindName(e.Kind), e.Field);

    public static CallToolResult NotAvailable(string tool) =>
        Failure($"The tool '{tool}' is not available on this server yet; use another tool or try again after the server is updated.", "not_implemented");

    public static string KindName(ApiErrorKind k) => JsonNamingPolicy.SnakeCaseLower.ConvertName(k.ToString());

    private static string Hint(ApiError e) => e.Kind switch
    {
        ApiErrorKind.NotFound => " Check the sandbox_id (create_sandbox returns it); a sandbox that ended stays visible for a while, an unknown one never is.",
        ApiErrorKind.Forbidden => " Pass the sandbox's sandbox_token as an argument, or use a sandbox this session created.",
        ApiErrorKind.TooManyRequests when e.RetryAfter is { } wait => $" Try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s.",
        ApiErrorKind.Invalid when e.Field is { } f => $" (argument: {f})",
        _ => "",
    };
}
