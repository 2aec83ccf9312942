namespace Sandbox.Gateway.Api;

/// <summary>One change seen by a watch (GET /v1/sandboxes/{id}/files/watch).</summary>
/// <param name="Type"><c>created</c>, <c>modified</c> or <c>deleted</c>.</param>
public sealed record FileChangeView(string Type, string Path);
