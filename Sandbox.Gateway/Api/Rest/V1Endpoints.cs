using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>The /v1 routes of API-v1.md §2–§6 and their OpenAPI document, every one through <see cref="ISandboxApi"/>.</summary>
public static class V1Endpoints
{
    public static IEndpointRouteBuilder MapSandboxApiV1(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter(new V1AccessFilter()).WithTags("v1");
        SandboxRoutes.Map(v1);
        FileRoutes.Map(v1);
        ProcessRoutes.Map(v1);
        // the document itself needs no key: it describes the API, it does not touch a sandbox
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }
}
