namespace Sandbox.Actors.Runner;

public sealed record TerminalSize(int Cols, int Rows);
