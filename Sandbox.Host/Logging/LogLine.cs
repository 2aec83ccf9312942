namespace Sandbox.Host.Logging;

/// <summary>One line of a <see cref="LogRing"/>, numbered in the order it was written.</summary>
public sealed record LogLine(long Seq, DateTime Time, string Level, string Logger, string Text);
