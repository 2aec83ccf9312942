using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>The facade of a request and the mapping of its answers to HTTP.</summary>
public static class V1Results
{
    /// <summary>The facade; until it is wired on this server every route answers 501.</summary>
    public static ISandboxApi Facade(HttpContext http) =>
        http.RequestServices.GetService<ISandboxApi>() ?? throw new NotImplementedException("ISandboxApi is not registered");

    public static IResult Answer<T>(ApiResult<T> r, Func<T, IResult> ok) => r.Ok ? ok(r.Value) : ApiProblem.From(r.Error);

    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(value, V1Json.Options, statusCode: status);
}
