using System.Text.Json;

namespace Sandbox.Actors.Runner;

/// <summary>A listing (files or processes): entries frames, then an end saying whether it was cut.
/// More entries than asked for is a violation, so a listing can never grow without bound.</summary>
internal sealed class EntriesRequest<T>(
    RunnerConnection connection, uint channel, string what, int limit,
    Func<JsonElement, T> parse, Func<string, string, Exception> mapError, TimeSpan? progressDeadline) : RunnerRequest(connection, channel, what)
{
    protected override bool IsStream => true;

    private readonly List<T> _entries = [];
    private readonly TaskCompletionSource<(IReadOnlyList<T> Entries, bool Truncated)> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<(IReadOnlyList<T> Entries, bool Truncated)> Result => _result.Task;

    protected override bool OnFrame(RunnerFrameType type, byte[] payload)
    {
        switch (type)
        {
            case RunnerFrameType.Entries:
                foreach (var item in RunnerJson.Parse(payload, $"entries of {What}", JsonValueKind.Array).EnumerateArray())
                {
                    if (_entries.Count >= limit) throw Unexpected($"more than the {limit} entries asked for");
                    if (item.ValueKind != JsonValueKind.Object) throw Unexpected("an entry that is not a JSON object");
                    _entries.Add(parse(item));
                }
                if (progressDeadline is { } d) StartDeadline(d);
                return false;
            case RunnerFrameType.StreamEnd:
                ClearDeadline();
                var end = RunnerJson.Parse(payload, $"the end of {What}");
                _result.TrySetResult((_entries, RunnerJson.Bool(end, "truncated", $"the end of {What}")));
                return true;
            default:
                throw Unexpected(type);
        }
    }

    protected override Exception MapError(string kind, string detail) => mapError(kind, detail);

    public override void Fail(Exception reason)
    {
        ClearDeadline();
        _result.TrySetException(reason);
    }
}
