using Sandbox.Actors.Runner;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Actors.Calls;

/// <summary>What a failed runner call means to the API caller: the runner's typed errors mapped to
/// refusals (API-v1 §1 statuses), with a sentence the caller can act on.</summary>
public static class CallRefusals
{
    public static ApiRefused Of(Exception e, int diskLimitMb) => e switch
    {
        RunnerFileException f => f.Kind switch
        {
            RunnerFileError.NotFound => new(ApiRefusal.NotFound, f.Detail),
            RunnerFileError.NoSpace => new(ApiRefusal.TooLarge,
                $"The sandbox's disk is full: its writable layer is limited to {diskLimitMb} MB by SANDBOX_DISK_LIMIT_MB. Delete files in it, or ask the operator for a larger limit. ({f.Detail})"),
            RunnerFileError.Exists or RunnerFileError.NotEmpty or RunnerFileError.Permission => new(ApiRefusal.Conflict, f.Detail),
            RunnerFileError.Io => new(ApiRefusal.Failed, f.Detail),
            _ => new(ApiRefusal.BadRequest, f.Detail),
        },
        RunnerProcessException p => p.Kind switch
        {
            RunnerProcessError.UnknownProcess => new(ApiRefusal.NotFound, p.Detail),
            RunnerProcessError.StdinClosed or RunnerProcessError.NotATerminal or RunnerProcessError.AlreadyExited => new(ApiRefusal.Conflict, p.Detail),
            RunnerProcessError.SpawnFailed => new(ApiRefusal.Failed, p.Detail),
            _ => new(ApiRefusal.Invalid, p.Detail),
        },
        CallException c => c.Refusal,
        RunnerUnavailableException u => new(ApiRefusal.Failed, $"The sandbox's runner is not available ({u.End.Reason}); try again."),
        TimeoutException or OperationCanceledException => new(ApiRefusal.Failed, "The sandbox did not answer in time; it may be overloaded. Try again."),
        _ => new(ApiRefusal.Failed, $"The call failed inside the sandbox: {e.GetBaseException().Message}"),
    };
}

/// <summary>A call refused before the runner was asked (unknown process id, transfer out of order).</summary>
public sealed class CallException(ApiRefusal kind, string detail) : Exception(detail)
{
    public ApiRefused Refusal { get; } = new(kind, detail);
}
