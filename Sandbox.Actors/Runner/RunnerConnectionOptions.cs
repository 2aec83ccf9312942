namespace Sandbox.Actors.Runner;

/// <summary>The bounds a <see cref="RunnerConnection"/> holds the runner to, and the windows it grants.</summary>
public sealed record RunnerConnectionOptions
{
    /// <summary>Largest payload the runner may send (it sends at most 128 KiB; anything bigger is forged).</summary>
    public int MaxPayloadBytes { get; init; } = 256 * 1024;
    /// <summary>A frame that has begun must be complete within this.</summary>
    public TimeSpan FrameCompletionTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Answers to control requests (ping, start, signal, stat, …) should come within this; a late
    /// one fails its call with a <see cref="TimeoutException"/>.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A filesystem sync may take longer than a control answer.</summary>
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Frames may wait this long for a runner that does not read its input.</summary>
    public TimeSpan OutboundStallTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Bulk bytes (uploads, stdin) that may wait to be written to the runner.</summary>
    public int OutboundBudgetBytes { get; init; } = 1024 * 1024;
    /// <summary>Output, file and watch bytes a reader lets the runner send ahead of what it has taken.</summary>
    public int StreamWindowBytes { get; init; } = 512 * 1024;
    /// <summary>Most entries a listing may return (more are cut, and the listing says so).</summary>
    public int MaxListEntries { get; init; } = 100_000;
    /// <summary>Largest bulk frame the host sends (file data, stdin).</summary>
    public int ChunkBytes { get; init; } = 128 * 1024;
}
