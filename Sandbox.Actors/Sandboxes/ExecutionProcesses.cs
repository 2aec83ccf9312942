using Sandbox.Actors.Runner;
using static Sandbox.Core.Sandboxes.SandboxSignals;

namespace Sandbox.Actors.Sandboxes;

/// <summary>
/// Which runner process runs which reference execution. A process carries its execution's id in its
/// tag, so the mapping survives a checkpoint (a restored runner lists its running processes with
/// their tags). Stdin, kills and credit for an execution whose process has not started yet wait
/// for its start.
/// </summary>
public sealed class ExecutionProcesses
{
    private const string TagPrefix = "exec-";
    private readonly Dictionary<uint, uint> _processOf = new();
    private readonly Dictionary<uint, uint> _execOf = new();
    private readonly Dictionary<uint, List<Action<uint>>> _waiting = new();

    public static string TagOf(uint execId) => TagPrefix + execId;

    public static bool IsExecution(string? tag) => ExecIdOf(tag) is not null;

    private static uint? ExecIdOf(string? tag) =>
        tag is not null && tag.StartsWith(TagPrefix, StringComparison.Ordinal) && uint.TryParse(tag.AsSpan(TagPrefix.Length), out var id) ? id : null;

    /// <summary>A new container: nothing of the old one's processes is known any more.</summary>
    public void Reset(IEnumerable<RunningProcess> running)
    {
        _processOf.Clear();
        _execOf.Clear();
        _waiting.Clear();
        foreach (var p in running)
            if (ExecIdOf(p.Tag) is { } execId) Map(execId, p.ProcessId);
    }

    /// <summary>Runs <paramref name="action"/> with the execution's process id, now or once it has started.</summary>
    public void WhenStarted(uint execId, Action<uint> action)
    {
        if (_processOf.TryGetValue(execId, out var processId)) action(processId);
        else if (_waiting.TryGetValue(execId, out var list)) list.Add(action);
        else _waiting[execId] = [action];
    }

    /// <summary>The execution never started: what waited for it is dropped.</summary>
    public void NeverStarted(uint execId) => _waiting.Remove(execId);

    /// <summary>What a runner event means to the decider: null for events it does not act on.</summary>
    public object? Signal(RunnerEvent e)
    {
        switch (e)
        {
            case ProcessStarted s when ExecIdOf(s.Tag) is { } execId:
                Map(execId, s.ProcessId);
                if (_waiting.Remove(execId, out var actions))
                    foreach (var a in actions) a(s.ProcessId);
                return null;
            case ProcessOutput o when _execOf.TryGetValue(o.ProcessId, out var execId):
                return new RunnerOutput(execId, o.Stream == OutputStream.Stderr, o.Bytes);
            case ProcessExited x when _execOf.Remove(x.ProcessId, out var execId):
                _processOf.Remove(execId);
                return new RunnerExecExited(execId, x.Status.ExitCode ?? -1);
            default:
                return null;
        }
    }

    private void Map(uint execId, uint processId)
    {
        _processOf[execId] = processId;
        _execOf[processId] = execId;
    }
}
