namespace Sandbox.Core.Sandboxes;

public enum LogLevel { Debug, Info, Warning, Error }
