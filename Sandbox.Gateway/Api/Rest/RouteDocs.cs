using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// What the OpenAPI document says about a route beyond its types: the problem responses it can
/// give, its query parameters (read by the handlers themselves so a bad one gets a 400 that names
/// it), and the sandbox token header of sandbox-scoped routes.
/// </summary>
public static class RouteDocs
{
    public static RouteHandlerBuilder Summary(this RouteHandlerBuilder b, string summary) { b.WithSummary(summary); return b; }

    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder b, string description) { b.WithDescription(description); return b; }

    /// <summary>Documents a JSON request body without the route-level content-type check that
    /// <c>Accepts</c> brings (that one answers 415 with no body before the key is checked; the handler
    /// judges the body itself, see <see cref="Rest.JsonBody"/>).</summary>
    public static RouteHandlerBuilder JsonBody<T>(this RouteHandlerBuilder b, string description) =>
        b.AddOpenApiOperationTransformer(async (op, ctx, ct) =>
        {
            op.RequestBody = new OpenApiRequestBody
            {
                Description = description,
                Required = false,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = await ComponentAsync<T>(ctx, ct) } },
            };
        });

    /// <summary>The body's schema as a named component (a schema made here would otherwise be inlined at each route).</summary>
    private static async Task<IOpenApiSchema> ComponentAsync<T>(Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext ctx, CancellationToken ct)
    {
        var name = typeof(T).Name;
        if (ctx.Document is not { } doc) return await ctx.GetOrCreateSchemaAsync(typeof(T), null, ct);
        if (doc.Components?.Schemas?.ContainsKey(name) != true)
            doc.AddComponent(name, await ctx.GetOrCreateSchemaAsync(typeof(T), null, ct));
        return new OpenApiSchemaReference(name, doc);
    }

    /// <summary>Documents a request body of raw bytes.</summary>
    public static RouteHandlerBuilder BytesBody(this RouteHandlerBuilder b, string description) =>
        b.AddOpenApiOperationTransformer((op, _, _) =>
        {
            op.RequestBody = new OpenApiRequestBody
            {
                Description = description,
                Required = false,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/octet-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
                },
            };
            return Task.CompletedTask;
        });

    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder b, params int[] statuses)
    {
        foreach (var s in statuses.Append(StatusCodes.Status500InternalServerError).Append(StatusCodes.Status501NotImplemented).Distinct())
            b.Produces<ProblemBody>(s, ApiProblem.ContentType);
        return b.AddOpenApiOperationTransformer((op, _, _) =>
        {
            foreach (var s in statuses.Append(500).Append(501))
                if (op.Responses?.TryGetValue(s.ToString(), out var r) == true && r is OpenApiResponse resp)
                    resp.Description = ApiProblem.TitleOf(s) + (s == 429 ? " (see the Retry-After header)" : "") + ": an RFC 9457 problem whose detail says what to change.";
            return Task.CompletedTask;
        });
    }

    public static RouteHandlerBuilder Query(this RouteHandlerBuilder b, string name, string description, bool required = false,
        string? example = null, JsonSchemaType type = JsonSchemaType.String) =>
        b.AddOpenApiOperationTransformer((op, _, _) =>
        {
            op.Parameters ??= [];
            op.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Query,
                Required = required,
                Description = description,
                Schema = new OpenApiSchema { Type = type },
                Example = example is null ? null : JsonValue.Create(example),
            });
            return Task.CompletedTask;
        });

    /// <summary>A route that acts on one sandbox: the owner's key, or the sandbox token, lets the caller in.</summary>
    public static RouteHandlerBuilder SandboxScoped(this RouteHandlerBuilder b) =>
        b.AddOpenApiOperationTransformer((op, _, _) =>
        {
            op.Parameters ??= [];
            foreach (var p in op.Parameters.OfType<OpenApiParameter>())
            {
                if (p.Name == "id") p.Description = "The sandbox id (sandbox-…).";
                if (p.Name == "pid") p.Description = "The process id returned by POST …/processes (p-…).";
            }
            op.Parameters.Add(new OpenApiParameter
            {
                Name = V1Callers.SandboxTokenHeader,
                In = ParameterLocation.Header,
                Required = false,
                Description = "The sandbox token from its creation: needed without API keys; with keys it lets a caller act on a sandbox another key created.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            return Task.CompletedTask;
        });
}
