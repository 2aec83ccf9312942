using Sandbox.Core.Sandboxes;
using Sandbox.Gateway.Sessions;

namespace Sandbox.Gateway.Api;

/// <summary>
/// The channel of a session that creates a sandbox for the API (<see cref="SessionMode.CreateDetached"/>):
/// it hears what a /create client would, and turns it into the id and token, or the error.
/// </summary>
public sealed class ApiCreateChannel : IClientChannel
{
    private readonly TaskCompletionSource<ApiResult<(string Id, string Token)>> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (string Id, string Token)? _created;
    private bool _failed;

    public OutboundBacklog? Backlog => null;

    public Task<ApiResult<(string Id, string Token)>> Outcome => _outcome.Task;

    public Task SendAsync(ServerMessage message, CancellationToken ct)
    {
        switch (message)
        {
            case ServerMessage.SandboxId i:
                _created = (i.Id, i.Token);
                break;
            case ServerMessage.Status { Value: SandboxStatus.Running } when _created is { } c:
                _outcome.TrySetResult(c);
                break;
            case ServerMessage.Status { Value: SandboxStatus.CreationError or SandboxStatus.Error }:
                _failed = true;
                break;
            case ServerMessage.Error e when _failed:
                _outcome.TrySetResult(new ApiError(e.Shortage switch
                {
                    CapacityShortage.Full => ApiErrorKind.Unavailable,
                    CapacityShortage.Busy or CapacityShortage.Quota => ApiErrorKind.TooManyRequests,
                    _ => ApiErrorKind.Internal,
                }, e.Message, RetryAfter: e.RetryAfter ?? (e.Shortage == CapacityShortage.Busy ? TimeSpan.FromSeconds(2) : null)));
                break;
            case ServerMessage.Close:
                _outcome.TrySetResult(new ApiError(ApiErrorKind.Internal, "The sandbox host ended the create without an answer; try again."));
                break;
        }
        return Task.CompletedTask;
    }
}
