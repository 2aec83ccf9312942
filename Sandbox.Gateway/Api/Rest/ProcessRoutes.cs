using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;
using Sandbox.Gateway.Api.Rest.Wire;
using static Sandbox.Gateway.Api.Rest.V1Results;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>API-v1.md §4: processes and terminals.</summary>
public static class ProcessRoutes
{
    public const string NdjsonContentType = "application/x-ndjson";

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/sandboxes/{id}/processes", StartAsync).WithName("StartProcess")
            .Summary("Start a process: cmd, or language (python, bash) and code; pty for a terminal")
            .SandboxScoped().JsonBody<ProcessRequest>("What to run: cmd, or language and code.").Produces<ProcessView>(201).Problems(400, 401, 403, 404, 409, 413, 415, 422, 429);

        v1.MapGet("/sandboxes/{id}/processes", (HttpContext http, string id) =>
                SandboxRoutes.Call(http, api => api.ListProcessesAsync(V1Callers.Of(http), id, http.RequestAborted), v => Json(new ProcessList(v))))
            .WithName("ListProcesses").Summary("Every process of the sandbox, running and exited")
            .SandboxScoped().Produces<ProcessList>().Problems(401, 403, 404, 409);

        v1.MapGet("/sandboxes/{id}/processes/{pid}", (HttpContext http, string id, string pid) =>
                SandboxRoutes.Call(http, api => api.GetProcessAsync(V1Callers.Of(http), id, pid, http.RequestAborted), v => Json(v)))
            .WithName("GetProcess").Summary("One process")
            .SandboxScoped().Produces<ProcessView>().Problems(401, 403, 404, 409);

        v1.MapGet("/sandboxes/{id}/processes/{pid}/output", OutputAsync).WithName("ReadProcessOutput")
            .Summary("The process's output from a byte offset, one JSON object a line (application/x-ndjson)")
            .Describe("Lines are {\"stream\",\"offset\",\"data\"} (data_b64 with encoding=base64), {\"stream\":\"exit\",\"offset\",\"exit_code\"} and, "
                + "when older output was dropped, a first {\"stream\":\"gap\",\"offset\",\"dropped_bytes\"}. After a dropped connection ask again "
                + "from the end of the last chunk you have: every later byte comes exactly once.")
            .Query("offset", "Byte position in the combined output log to start from (default 0).", type: JsonSchemaType.Integer)
            .Query("follow", "true: keep the response open until the process exits; false (default): what exists now.", type: JsonSchemaType.Boolean)
            .Query("encoding", "utf8 (default): data as text, invalid sequences replaced; base64: data_b64, the exact bytes.")
            .SandboxScoped().Produces<OutputLine>(200, NdjsonContentType).Problems(400, 401, 403, 404, 409);

        v1.MapPost("/sandboxes/{id}/processes/{pid}/stdin", StdinAsync).WithName("WriteProcessStdin")
            .Summary("Write the request body to the process's stdin; eof=true closes it after")
            .Query("eof", "Close stdin after these bytes.", type: JsonSchemaType.Boolean)
            .BytesBody("The bytes.")
            .SandboxScoped().Produces(204).Problems(400, 401, 403, 404, 409, 413);

        v1.MapPost("/sandboxes/{id}/processes/{pid}/signal", SignalAsync).WithName("SignalProcess")
            .Summary("Send TERM, KILL, INT or HUP")
            .SandboxScoped().JsonBody<SignalBody>("The signal.").Produces(202).Problems(400, 401, 403, 404, 409, 413, 415, 422);

        v1.MapPost("/sandboxes/{id}/processes/{pid}/resize", ResizeAsync).WithName("ResizeTerminal")
            .Summary("Resize a terminal process's window")
            .SandboxScoped().JsonBody<ResizeBody>("The new size.").Produces(204).Problems(400, 401, 403, 404, 409, 413, 415, 422);

        v1.MapGet("/sandboxes/{id}/processes/{pid}/attach", TerminalSocket.RunAsync).WithName("AttachTerminal")
            .Summary("WebSocket: a terminal on the process")
            .Describe("Binary frames from the client are stdin; binary frames from the server are output from offset; a text frame "
                + "{\"type\":\"resize\",\"cols\",\"rows\"} resizes. After the exit the server sends {\"type\":\"exit\",\"exit_code\"} as its last "
                + "text frame and closes with 1000. The sandbox token may be given as ?sandbox_token= (browsers cannot set headers here).")
            .Query("offset", "Byte position to start the output from (default: 0).", type: JsonSchemaType.Integer)
            .SandboxScoped().Produces(101).Problems(400, 401, 403, 404, 409);
    }

    private static async Task<IResult> StartAsync(HttpContext http, string id)
    {
        var (body, problem) = await JsonBody.ReadAsync<ProcessRequest>(http);
        if (problem is not null) return problem;
        var r = await Facade(http).StartProcessAsync(V1Callers.Of(http), id, body!, http.RequestAborted);
        return Answer(r, v => Json(v, StatusCodes.Status201Created));
    }

    private static async Task<IResult> OutputAsync(HttpContext http, string id, string pid)
    {
        var (offset, p1) = Query.Long(http, "offset", 0, 0, long.MaxValue);
        if (p1 is not null) return p1;
        var (follow, p2) = Query.Bool(http, "follow", false);
        if (p2 is not null) return p2;
        var encoding = Query.OptionalString(http, "encoding") ?? "utf8";
        if (encoding is not ("utf8" or "utf-8" or "base64"))
            return ApiProblem.BadRequest($"The query parameter 'encoding' must be utf8 or base64, not '{encoding}'.");
        var r = await Facade(http).ReadOutputAsync(V1Callers.Of(http), id, pid, offset, follow, http.RequestAborted);
        return Answer(r, records => new NdjsonOutput(records, encoding == "base64"));
    }

    private static async Task<IResult> StdinAsync(HttpContext http, string id, string pid)
    {
        var (eof, p) = Query.Bool(http, "eof", false);
        if (p is not null) return p;
        JsonBody.LiftKestrelLimit(http, null);   // streamed into the process with its own backpressure
        var r = await Facade(http).WriteStdinAsync(V1Callers.Of(http), id, pid, http.Request.Body, eof, http.RequestAborted);
        return Answer(r, _ => Results.NoContent());
    }

    private static async Task<IResult> SignalAsync(HttpContext http, string id, string pid)
    {
        var (body, problem) = await JsonBody.ReadAsync<SignalBody>(http);
        if (problem is not null) return problem;
        if (body!.Signal is not { Length: > 0 } signal) return ApiProblem.Invalid("signal", "The field 'signal' is required: TERM, KILL, INT or HUP.");
        var r = await Facade(http).SignalAsync(V1Callers.Of(http), id, pid, signal, http.RequestAborted);
        return Answer(r, _ => Results.StatusCode(StatusCodes.Status202Accepted));
    }

    private static async Task<IResult> ResizeAsync(HttpContext http, string id, string pid)
    {
        var (body, problem) = await JsonBody.ReadAsync<ResizeBody>(http);
        if (problem is not null) return problem;
        if (body!.Cols is not { } cols) return ApiProblem.Invalid("cols", "The field 'cols' is required: the terminal's width in characters.");
        if (body.Rows is not { } rows) return ApiProblem.Invalid("rows", "The field 'rows' is required: the terminal's height in lines.");
        var r = await Facade(http).ResizeAsync(V1Callers.Of(http), id, pid, cols, rows, http.RequestAborted);
        return Answer(r, _ => Results.NoContent());
    }

    /// <summary>One JSON line per record, flushed per record so a follower sees output as it is made.</summary>
    private sealed class NdjsonOutput(IAsyncEnumerable<OutputRecord> records, bool base64) : IResult
    {
        private static readonly byte[] Newline = "\n"u8.ToArray();

        public Task ExecuteAsync(HttpContext http) => StreamFailures.RunAsync(http, "Reading the output", async () =>
        {
            var ct = http.RequestAborted;
            var encoder = new OutputLineEncoder(base64);
            var body = http.Response.Body;
            await using var e = records.GetAsyncEnumerator(ct);
            // wait a moment for the first record before the headers go out, so that a failure to start
            // reading is still a problem answer; a quiet process gets its headers after a second anyway
            var first = e.MoveNextAsync().AsTask();
            await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(1), ct));
            if (first.IsCompleted) await first;   // throws here, before the headers, if it failed
            http.Response.StatusCode = 200;
            http.Response.ContentType = NdjsonContentType;
            http.Response.Headers.CacheControl = "no-cache";
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            try
            {
                await body.FlushAsync(ct);
            }
            catch
            {
                // the enumerator is disposed on the way out: its pending MoveNext must have finished by then
                try { await first; } catch (Exception) { /* the stream is over either way */ }
                throw;
            }
            var more = await first;
            while (more)
            {
                foreach (var line in encoder.Encode(e.Current)) await WriteLineAsync(body, line, ct);
                more = await e.MoveNextAsync();
            }
            foreach (var line in encoder.Flush()) await WriteLineAsync(body, line, ct);
        });

        private static async Task WriteLineAsync(Stream body, OutputLine line, CancellationToken ct)
        {
            await body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(line, V1Json.Options), ct);
            await body.WriteAsync(Newline, ct);
            await body.FlushAsync(ct);
        }
    }
}
