namespace Sandbox.Actors.Runner;

/// <summary>The runner broke the protocol; the message is the sentence the sandbox ends with.</summary>
internal sealed class RunnerProtocolException(string message) : Exception(message);
