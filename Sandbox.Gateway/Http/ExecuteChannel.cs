using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Sessions;

namespace Sandbox.Gateway.Http;

/// <summary>
/// HTTP /execute as a session channel: output is written to the response body as it arrives
/// (stdout and stderr interleaved, as plain text); a failure before any output becomes a 500
/// with runsc's reason (429 or 503 when the cluster is busy or full); a failure after the response started is reported in-band.
/// </summary>
public sealed class ExecuteChannel(HttpResponse response) : IClientChannel
{
    /// <summary>The client sends nothing after its request: there is nothing to pause.</summary>
    public OutboundBacklog? Backlog => null;

    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _failedStatus;

    public Task Finished => _finished.Task;

    public async Task SendAsync(ServerMessage message, CancellationToken ct)
    {
        try
        {
            switch (message)
            {
                case ServerMessage.Status { Value: SandboxStatus.ExecutionRunning }:
                    await StartAsync();
                    break;
                case ServerMessage.Output o:
                    await StartAsync();
                    await response.Body.WriteAsync(Encoding.UTF8.GetBytes(o.Data), ct);
                    await response.Body.FlushAsync(ct);
                    break;
                case ServerMessage.Status { Value: SandboxStatus.CreationError or SandboxStatus.Error } s:
                    _failedStatus = s.Value;
                    break;
                case ServerMessage.Error e when _failedStatus is not null:
                    if (!response.HasStarted)
                    {
                        response.StatusCode = e.Shortage switch
                        {
                            CapacityShortage.Busy or CapacityShortage.Quota => StatusCodes.Status429TooManyRequests,
                            CapacityShortage.Full => StatusCodes.Status503ServiceUnavailable,
                            _ => StatusCodes.Status500InternalServerError,
                        };
                        response.ContentType = "application/json";
                        await response.WriteAsync(JsonSerializer.Serialize(new { detail = e.Message }), ct);
                    }
                    else
                    {
                        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"Server error: {e.Message}\n"), ct);
                    }
                    break;
                case ServerMessage.Status { Value: SandboxStatus.ExecutionDone }:
                    await StartAsync();
                    _finished.TrySetResult();
                    break;
                case ServerMessage.Close:
                    _finished.TrySetResult();
                    break;
            }
        }
        catch (Exception)
        {
            _finished.TrySetResult();   // the client went away; the session's end deletes the sandbox
            throw;
        }
    }

    private async Task StartAsync()
    {
        if (response.HasStarted) return;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=utf-8";
        await response.StartAsync();
    }
}
