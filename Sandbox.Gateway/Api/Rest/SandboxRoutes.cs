using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sandbox.Gateway.Api.Rest.Wire;
using static Sandbox.Gateway.Api.Rest.V1Results;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>API-v1.md §2 (sandboxes), §5 (pause, resume, fork) and §6 (network).</summary>
public static class SandboxRoutes
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/sandboxes", (Func<HttpContext, Task<IResult>>)CreateAsync).WithName("CreateSandbox")
            .Summary("Create a sandbox").Describe("Every field is optional. The answer carries the sandbox token, the only time it is shown.")
            .JsonBody<CreateSandboxRequest>("The new sandbox's settings; every field is optional.").Produces<SandboxView>(201).Problems(400, 401, 409, 413, 415, 422, 429, 503);

        v1.MapGet("/sandboxes", (Func<HttpContext, Task<IResult>>)ListAsync).WithName("ListSandboxes")
            .Summary("List the caller's sandboxes").Describe("Labels are AND-ed; paused sandboxes are listed as paused. Without API keys, loopback callers only.")
            .Query("label", "A label the sandbox must have, as key=value; repeat for several.", example: "team=evals")
            .Query("state", "Only sandboxes in this state: starting, running, paused or ended.")
            .Produces<SandboxList>().Problems(400, 401, 403, 422);

        v1.MapGet("/sandboxes/{id}", (HttpContext http, string id) =>
                Call(http, api => api.GetAsync(V1Callers.Of(http), id, http.RequestAborted), v => Json(v)))
            .WithName("GetSandbox").Summary("A sandbox's state, lifetime, network and (once ended) fate")
            .SandboxScoped().Produces<SandboxView>().Problems(401, 403, 404);

        v1.MapDelete("/sandboxes/{id}", (HttpContext http, string id) =>
                Call(http, api => api.DeleteAsync(V1Callers.Of(http), id, http.RequestAborted), _ => Results.NoContent()))
            .WithName("DeleteSandbox").Summary("Kill a sandbox and delete its checkpoints")
            .SandboxScoped().Produces(204).Problems(401, 403, 404, 409);

        v1.MapGet("/sandboxes/{id}/events", (HttpContext http, string id) =>
                Call(http, api => api.EventsAsync(V1Callers.Of(http), id, http.RequestAborted), v => Json(new EventList(v))))
            .WithName("GetSandboxEvents").Summary("A sandbox's history from the journal")
            .SandboxScoped().Produces<EventList>().Problems(401, 403, 404);

        v1.MapPost("/sandboxes/{id}/ttl", SetTtlAsync).WithName("SetSandboxTtl")
            .Summary("Extend or shorten a sandbox's lifetime, from now")
            .SandboxScoped().JsonBody<TtlBody>("The new lifetime.").Produces<SandboxView>().Problems(400, 401, 403, 404, 409, 413, 415, 422);

        v1.MapPost("/sandboxes/{id}/pause", (HttpContext http, string id) =>
                Call(http, api => api.PauseAsync(V1Callers.Of(http), id, http.RequestAborted), v => Json(v)))
            .WithName("PauseSandbox").Summary("Checkpoint a sandbox (memory, processes, files) and release its host memory")
            .Describe("Answers once the checkpoint is stored. Needs enable_checkpoint.")
            .SandboxScoped().Produces<SandboxView>().Problems(401, 403, 404, 409, 503);

        v1.MapPost("/sandboxes/{id}/resume", (HttpContext http, string id) =>
                Call(http, api => api.ResumeAsync(V1Callers.Of(http), id, http.RequestAborted), v => Json(v)))
            .WithName("ResumeSandbox").Summary("Restore a paused sandbox on whichever host has room")
            .SandboxScoped().Produces<SandboxView>().Problems(401, 403, 404, 409, 503);

        v1.MapPost("/sandboxes/{id}/fork", ForkAsync).WithName("ForkSandbox")
            .Summary("Make new sandboxes from this one's memory, processes and files at this moment")
            .SandboxScoped().JsonBody<ForkBody>("How many forks, and their labels.").Produces<ForkAnswer>(201).Problems(400, 401, 403, 404, 409, 413, 415, 422, 429, 503);

        v1.MapPut("/sandboxes/{id}/network", SetNetworkAsync).WithName("SetSandboxNetwork")
            .Summary("Replace a sandbox's egress policy (applied to connections made after it)")
            .SandboxScoped().JsonBody<NetworkPolicyView>("The new egress policy.").Produces<NetworkPolicyView>().Problems(400, 401, 403, 404, 409, 413, 415, 422);
    }

    /// <summary>Calls the facade and maps its answer: the shape shared by the routes without a body.</summary>
    internal static async Task<IResult> Call<T>(HttpContext http, Func<ISandboxApi, Task<ApiResult<T>>> call, Func<T, IResult> ok) =>
        Answer(await call(Facade(http)), ok);

    private static async Task<IResult> CreateAsync(HttpContext http)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateSandboxRequest>(http);
        if (problem is not null) return problem;
        var r = await Facade(http).CreateAsync(V1Callers.Of(http), body!, http.RequestAborted);
        return Answer(r, v => TypedResults.Json(v, V1Json.Options, statusCode: 201) is var json
            ? new WithLocation(json, $"/v1/sandboxes/{v.SandboxId}") : json);
    }

    private static async Task<IResult> ListAsync(HttpContext http)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in http.Request.Query["label"])
        {
            var eq = pair?.IndexOf('=') ?? -1;
            if (eq <= 0) return ApiProblem.BadRequest($"The query parameter 'label' takes key=value (e.g. ?label=team=evals), not '{pair}'.");
            var key = pair![..eq];
            if (!labels.TryAdd(key, pair[(eq + 1)..]))
                return ApiProblem.BadRequest($"The label '{key}' is given twice; a sandbox has one value per label.");
        }
        var state = Query.OptionalString(http, "state");
        var r = await Facade(http).ListAsync(V1Callers.Of(http), new SandboxQuery(labels, state), http.RequestAborted);
        return Answer(r, v => Json(new SandboxList(v)));
    }

    private static async Task<IResult> SetTtlAsync(HttpContext http, string id)
    {
        var (body, problem) = await JsonBody.ReadAsync<TtlBody>(http);
        if (problem is not null) return problem;
        if (body!.TtlSeconds is not { } ttl) return ApiProblem.Invalid("ttl_seconds", "The field 'ttl_seconds' is required: the lifetime in seconds from now, e.g. {\"ttl_seconds\": 600}.");
        return Answer(await Facade(http).SetTtlAsync(V1Callers.Of(http), id, ttl, http.RequestAborted), v => Json(v));
    }

    private static async Task<IResult> ForkAsync(HttpContext http, string id)
    {
        var (body, problem) = await JsonBody.ReadAsync<ForkBody>(http);
        if (problem is not null) return problem;
        var r = await Facade(http).ForkAsync(V1Callers.Of(http), id, body!.Count ?? 1, body.Labels, http.RequestAborted);
        return Answer(r, v => Json(new ForkAnswer(v), StatusCodes.Status201Created));
    }

    private static async Task<IResult> SetNetworkAsync(HttpContext http, string id)
    {
        var (body, problem) = await JsonBody.ReadAsync<NetworkPolicyView>(http);
        if (problem is not null) return problem;
        if (body!.Egress is null) return ApiProblem.Invalid("egress", "The field 'egress' is required: none, allow_all or allow_list.");
        return Answer(await Facade(http).SetNetworkAsync(V1Callers.Of(http), id, body, http.RequestAborted), v => Json(v));
    }

    /// <summary>A 201 that says where the new resource lives.</summary>
    private sealed class WithLocation(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.Location = location;
            return inner.ExecuteAsync(http);
        }
    }
}
