namespace Sandbox.Client;

/// <summary>A terminal's size in character cells.</summary>
public sealed record TerminalSize(int Cols, int Rows);
