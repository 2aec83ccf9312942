namespace Sandbox.Actors.Runner;

/// <summary>A request answered by one reply (or one error): ping, sync, start, signal, stat, stdin, ….
/// <paramref name="parse"/> runs on the read loop, so it may register what the reply announces.</summary>
internal sealed class ReplyRequest<T>(
    RunnerConnection connection, uint channel, string what,
    Func<byte[], T> parse, Func<string, string, Exception> mapError) : RunnerRequest(connection, channel, what)
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Result => _result.Task;

    protected override bool OnFrame(RunnerFrameType type, byte[] payload)
    {
        if (type != RunnerFrameType.Reply) throw Unexpected(type);
        ClearDeadline();
        _result.TrySetResult(parse(payload));
        return true;
    }

    protected override Exception MapError(string kind, string detail) => mapError(kind, detail);

    public override void Fail(Exception reason)
    {
        ClearDeadline();
        _result.TrySetException(reason);
    }
}
