using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;
using Sandbox.Gateway.Api.Rest.Wire;
using static Sandbox.Gateway.Api.Rest.V1Results;

namespace Sandbox.Gateway.Api.Rest;

/// <summary>API-v1.md §3: files inside a sandbox. Bodies stream both ways; nothing here holds a file whole.</summary>
public static class FileRoutes
{
    private const string PathDoc = "Absolute path inside the sandbox.";

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPut("/sandboxes/{id}/files", WriteAsync).WithName("WriteFile")
            .Summary("Write a file (the request body is its bytes); parent directories are created")
            .Query("path", PathDoc, required: true, example: "/data/data.csv")
            .Query("mode", "Permission bits in octal (default 0644).", example: "0644")
            .BytesBody("The bytes.")
            .SandboxScoped().Produces<FileWritten>(201).Problems(400, 401, 403, 404, 409, 413);

        v1.MapGet("/sandboxes/{id}/files", ReadAsync).WithName("ReadFile")
            .Summary("Download a file (application/octet-stream, with Content-Length)")
            .Query("path", PathDoc, required: true)
            .SandboxScoped().Produces<Stream>(200, "application/octet-stream").Problems(400, 401, 403, 404, 409);

        v1.MapGet("/sandboxes/{id}/files/list", ListAsync).WithName("ListFiles")
            .Summary("The entries under a directory")
            .Query("path", PathDoc, required: true, example: "/data")
            .Query("depth", "How many levels down to list (1 = the directory's own entries).", type: JsonSchemaType.Integer)
            .SandboxScoped().Produces<FileList>().Problems(400, 401, 403, 404, 409);

        v1.MapGet("/sandboxes/{id}/files/stat", StatAsync).WithName("StatFile")
            .Summary("One entry: type, size, mode, modification time")
            .Query("path", PathDoc, required: true)
            .SandboxScoped().Produces<FileEntryView>().Problems(400, 401, 403, 404, 409);

        v1.MapPost("/sandboxes/{id}/files/mkdir", MakeDirectoryAsync).WithName("MakeDirectory")
            .Summary("Make a directory and its parents")
            .Query("path", PathDoc, required: true)
            .SandboxScoped().Produces(201).Problems(400, 401, 403, 404, 409, 413);

        v1.MapDelete("/sandboxes/{id}/files", DeleteAsync).WithName("DeleteFile")
            .Summary("Delete a file, or a directory (recursive=true for one that is not empty)")
            .Query("path", PathDoc, required: true)
            .Query("recursive", "Delete a directory with everything in it.", type: JsonSchemaType.Boolean)
            .SandboxScoped().Produces(204).Problems(400, 401, 403, 404, 409);

        v1.MapGet("/sandboxes/{id}/files/watch", WatchAsync).WithName("WatchFiles")
            .Summary("Server-Sent Events, one data: {\"type\",\"path\"} per change, until the client leaves")
            .Query("path", PathDoc, required: true, example: "/data")
            .Query("recursive", "Watch subdirectories too.", type: JsonSchemaType.Boolean)
            .SandboxScoped().Produces<FileChangeView>(200, "text/event-stream").Problems(400, 401, 403, 404, 409);
    }

    private static async Task<IResult> WriteAsync(HttpContext http, string id)
    {
        var (path, p1) = Query.RequiredString(http, "path", "/data/file.txt");
        if (p1 is not null) return p1;
        var (mode, p2) = Query.OctalMode(http, "mode");
        if (p2 is not null) return p2;
        // the body streams into the sandbox: no server-wide cap, the sandbox's disk limit answers 413
        JsonBody.LiftKestrelLimit(http, null);
        var r = await Facade(http).WriteFileAsync(V1Callers.Of(http), id, path!, mode, http.Request.Body, http.RequestAborted);
        return Answer(r, v => Json(new FileWritten(v.Path, v.Size), StatusCodes.Status201Created));
    }

    private static async Task<IResult> ReadAsync(HttpContext http, string id)
    {
        var (path, p1) = Query.RequiredString(http, "path", "/data/file.txt");
        if (p1 is not null) return p1;
        var r = await Facade(http).ReadFileAsync(V1Callers.Of(http), id, path!, http.RequestAborted);
        return Answer(r, d => new Download(d));
    }

    private static async Task<IResult> ListAsync(HttpContext http, string id)
    {
        var (path, p1) = Query.RequiredString(http, "path", "/data");
        if (p1 is not null) return p1;
        var (depth, p2) = Query.Long(http, "depth", 1, 1, 64);
        if (p2 is not null) return p2;
        var r = await Facade(http).ListFilesAsync(V1Callers.Of(http), id, path!, (int)depth, http.RequestAborted);
        return Answer(r, v => Json(new FileList(v)));
    }

    private static async Task<IResult> StatAsync(HttpContext http, string id)
    {
        var (path, p1) = Query.RequiredString(http, "path", "/data/file.txt");
        if (p1 is not null) return p1;
        return Answer(await Facade(http).StatFileAsync(V1Callers.Of(http), id, path!, http.RequestAborted), v => Json(v));
    }

    private static async Task<IResult> MakeDirectoryAsync(HttpContext http, string id)
    {
        var (path, p1) = Query.RequiredString(http, "path", "/data");
        if (p1 is not null) return p1;
        return Answer(await Facade(http).MakeDirectoryAsync(V1Callers.Of(http), id, path!, http.RequestAborted), _ => Results.StatusCode(201));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, string id)
    {
        var (path, p1) = Query.RequiredString(http, "path", "/data/file.txt");
        if (p1 is not null) return p1;
        var (recursive, p2) = Query.Bool(http, "recursive", false);
        if (p2 is not null) return p2;
        return Answer(await Facade(http).DeleteFileAsync(V1Callers.Of(http), id, path!, recursive, http.RequestAborted), _ => Results.NoContent());
    }

    private static async Task<IResult> WatchAsync(HttpContext http, string id)
    {
        var (path, p1) = Query.RequiredString(http, "path", "/data");
        if (p1 is not null) return p1;
        var (recursive, p2) = Query.Bool(http, "recursive", false);
        if (p2 is not null) return p2;
        var r = await Facade(http).WatchAsync(V1Callers.Of(http), id, path!, recursive, http.RequestAborted);
        return Answer(r, changes => new EventStream(changes));
    }

    /// <summary>The file's bytes straight from the facade's stream to the socket, with its length up front.</summary>
    private sealed class Download(FileDownload d) : IResult
    {
        public Task ExecuteAsync(HttpContext http) => StreamFailures.RunAsync(http, "Reading the file", async () =>
        {
            await using var content = d.Content;
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = d.Entry.Size;
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await content.CopyToAsync(http.Response.Body, 64 * 1024, http.RequestAborted);
        });
    }

    /// <summary>Server-Sent Events: one <c>data:</c> line of JSON per change, flushed at once; a comment every 15 s keeps proxies from cutting an idle watch.</summary>
    private sealed class EventStream(IAsyncEnumerable<FileChangeView> changes) : IResult
    {
        public Task ExecuteAsync(HttpContext http) => StreamFailures.RunAsync(http, "Watching", () => WatchAsync(http));

        private async Task WatchAsync(HttpContext http)
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await http.Response.Body.FlushAsync(http.RequestAborted);
            var ct = http.RequestAborted;
            await using var e = changes.GetAsyncEnumerator(ct);
            var next = e.MoveNextAsync().AsTask();
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    var done = await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(15), ct));
                    if (done != next)
                    {
                        await http.Response.WriteAsync(": keep-alive\n\n", ct);
                        continue;
                    }
                    if (!await next) break;
                    await http.Response.WriteAsync("data: " + JsonSerializer.Serialize(e.Current, V1Json.Options) + "\n\n", ct);
                    next = e.MoveNextAsync().AsTask();
                }
            }
            finally
            {
                // an async iterator cannot be disposed while a MoveNext is pending: let the cancelled one finish first
                try { await next; } catch (Exception) { /* cancelled or failed; the stream is over either way */ }
            }
        }
    }
}
