using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace Sandbox.Gateway.Mcp;

/// <summary>
/// <c>/mcp</c> (API-v1.md §7, issue 16): the Model Context Protocol over streamable HTTP, stateful
/// (a session has the sandboxes it made, and outlives a dropped connection: the client carries on
/// with its session id), with the tools of <see cref="SandboxTools"/> and the API keys of /v1.
/// </summary>
public static class McpEndpoint
{
    public const string Path = "/mcp";

    /// <summary>Tool arguments and structured results in the API's JSON (snake_case, UTC times).</summary>
    private static readonly JsonSerializerOptions V1JsonForTools = Sandbox.Gateway.Api.Rest.V1Json.Options;

    public static IServiceCollection AddSandboxMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<McpSessionSandboxes>();
        services.AddSingleton<McpContext>();
        services.AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "gvisor-sandbox", Version = "1.0.0" };
                o.ServerInstructions = "Run untrusted code in gVisor sandboxes. run_code runs one snippet in a fresh sandbox; "
                    + "for state between steps, create_sandbox once, then exec, write_file, read_file, list_files, start_process and "
                    + "process_output with its sandbox_id, and kill_sandbox at the end.";
            })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful)
            .WithTools([typeof(SandboxTools)], V1JsonForTools)
            .WithRequestFilters(f => f.AddCallToolFilter(next => async (request, ct) =>
            {
                // an unknown tool or arguments that do not fit its schema are answers a model can act on, not protocol errors
                if (request.MatchedPrimitive is null)
                    return ToolResults.Failure($"There is no tool '{request.Params?.Name}'. The tools are: {string.Join(", ", SandboxTools.Names)}.", "unknown_tool");
                try
                {
                    return await next(request, ct);
                }
                catch (Exception e) when (e is ArgumentException or JsonException or FormatException or InvalidCastException)
                {
                    return ToolResults.Failure($"The arguments of '{request.Params?.Name}' do not match its input schema: {e.Message} Check the types of the arguments (see tools/list).",
                        "invalid_arguments");
                }
            }));
        return services;
    }

    public static IEndpointRouteBuilder MapSandboxMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).Add(e =>
        {
            var inner = e.RequestDelegate!;
            e.RequestDelegate = McpApiKeys.Guard(inner);
        });
        return app;
    }
}
