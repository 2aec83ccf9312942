using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;
using Sandbox.Gateway.Api;

namespace Sandbox.Gateway.Mcp;

/// <summary>What a tool needs besides its arguments: the facade, and who calls (the key of the HTTP
/// request that carried the call, and the tokens of the sandboxes the session made).</summary>
public sealed class McpContext(IServiceProvider services, IHttpContextAccessor http, McpSessionSandboxes sessions)
{
    public McpSessionSandboxes Sessions { get; } = sessions;

    /// <summary>The facade; until it is wired on this server a tool answers that the feature is not available.</summary>
    public ISandboxApi Api => services.GetService<ISandboxApi>() ?? throw new NotImplementedException("ISandboxApi is not registered");

    /// <summary>The server stores checkpoints, so sandboxes can pause, resume and fork.</summary>
    public bool CheckpointsStored => services.GetService<SandboxGateway>()?.Options.CheckpointStorageEnabled ?? false;

    public Caller CallerFor(McpServer session, string? sandboxId, string? token)
    {
        var keys = services.GetService<SandboxGateway>()?.Options.ApiKeys ?? ApiKeys.None;
        var request = http.HttpContext;
        token ??= sandboxId is null ? null : Sessions.TokenOf(session, sandboxId);
        return new Caller(McpApiKeys.FingerprintOf(request), keys.Enabled, token, request?.Connection.RemoteIpAddress);
    }
}
