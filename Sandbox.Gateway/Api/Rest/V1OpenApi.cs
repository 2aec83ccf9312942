using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>
/// <c>GET /openapi/v1.json</c>: the /v1 surface as Microsoft.AspNetCore.OpenApi sees the routes, with
/// the field descriptions of the records' XML comments, property names as the wire has them
/// (snake_case: the document service reads the host-wide JSON options, which the reference routes
/// keep as they are) and the API key scheme.
/// </summary>
public static class V1OpenApi
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddSandboxOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true || d.RelativePath == "v1";
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info = new OpenApiInfo
                {
                    Title = "gVisor sandbox host API v1",
                    Version = "v1",
                    Description = "Sandboxes, files, processes and terminals, pause/resume/fork and network egress over REST. "
                        + "Errors are RFC 9457 problem details (application/problem+json). The reference WebSocket protocol "
                        + "(/create, /attach, /execute) and the MCP endpoint (/mcp) are served beside it.",
                };
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                doc.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key (SANDBOX_API_KEYS) as 'Authorization: Bearer <key>'; 'X-API-Key: <key>' works too. Needed when the server has keys.",
                };
                // properties that refer to another schema become references after the schema transformers ran
                foreach (var (name, schema) in doc.Components.Schemas ?? new Dictionary<string, IOpenApiSchema>())
                    if (schema is OpenApiSchema s) Describe(s, name);
                doc.Security ??= [];
                doc.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", doc)] = [] });
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer((schema, ctx, _) =>
            {
                if (ctx.JsonTypeInfo.Type.Namespace?.StartsWith("Sandbox.Gateway.Api", StringComparison.Ordinal) == true)
                {
                    SnakeCase(schema);
                    Describe(schema, ctx.JsonTypeInfo.Type.Name);
                }
                StrictNumbers(schema);
                if (schema.Description is { } d) schema.Description = Readable(d);
                return Task.CompletedTask;
            });
        });

    /// <summary>The document service reads the host-wide JSON options (numbers may come as strings there);
    /// /v1 reads numbers strictly (<see cref="V1Json"/>), so a number is only a number here.</summary>
    private static void StrictNumbers(OpenApiSchema schema, int depth = 0)
    {
        if (schema.Type is { } t && t.HasFlag(JsonSchemaType.String) && (t.HasFlag(JsonSchemaType.Integer) || t.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = t & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        if (depth > 8) return;
        // property schemas of primitive types are not handed to the transformer on their own
        foreach (var p in schema.Properties?.Values.OfType<OpenApiSchema>() ?? []) StrictNumbers(p, depth + 1);
        if (schema.Items is OpenApiSchema items) StrictNumbers(items, depth + 1);
        if (schema.AdditionalProperties is OpenApiSchema extra) StrictNumbers(extra, depth + 1);
    }

    /// <summary>XML comments name members by their C# signature ("string? ProcessRequest.Code"); the document names them as the wire does ("code").</summary>
    private static string Readable(string description)
    {
        var text = System.Net.WebUtility.HtmlDecode(description);
        return System.Text.RegularExpressions.Regex.Replace(text, @"(?:[\w.]+(?:<[^>]*>)?\??\s)?\b[A-Z]\w*\.([A-Z]\w*)\b",
            m => JsonNamingPolicy.SnakeCaseLower.ConvertName(m.Groups[1].Value));
    }

    /// <summary>Fields the records' comments leave undescribed get the words of <see cref="V1FieldDocs"/>.</summary>
    private static void Describe(OpenApiSchema schema, string typeName)
    {
        foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (!string.IsNullOrEmpty(property.Description) || V1FieldDocs.Of(typeName, name) is not { } doc) continue;
            switch (property)
            {
                case OpenApiSchema s: s.Description = doc; break;
                case OpenApiSchemaReference r: r.Description = doc; break;
            }
        }
    }

    private static void SnakeCase(OpenApiSchema schema)
    {
        if (schema.Properties is { Count: > 0 } props)
        {
            var renamed = props.ToDictionary(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Key), p => p.Value);
            props.Clear();
            foreach (var (k, v) in renamed) props[k] = v;
        }
        if (schema.Required is { Count: > 0 } required)
        {
            var names = required.Select(JsonNamingPolicy.SnakeCaseLower.ConvertName).ToList();
            required.Clear();
            foreach (var n in names) required.Add(n);
        }
    }
}
