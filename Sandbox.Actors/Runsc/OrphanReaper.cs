using System.Runtime.InteropServices;

namespace Sandbox.Actors.Runsc;

/// <summary>
/// Makes this process the reaper of the processes runsc leaves behind. `runsc restore` exits
/// without waiting for its gofer, and a sentry's ptrace stubs outlive it; orphans go to PID 1, which
/// on some hosts reaps late (this VM's init: 1–2 s) or never (a container whose PID 1 is this
/// server), and `runsc delete` polls the gofer's pid until its zombie is gone: up to 5 s for every
/// pause or delete of a restored sandbox (measured: pause 1.6–2.1 s instead of 0.25–0.3 s). As a
/// child subreaper this process gets those orphans and reaps each one on the SIGCHLD that comes with it.
/// <para>
/// Only zombies of runsc's re-executed binary (command name <c>exe</c>: sentry, gofer, stubs and
/// helpers) are reaped. Every process started through <see cref="System.Diagnostics.Process"/> is
/// reaped by .NET, which must be the one to see its exit status; none of those is named <c>exe</c>.
/// </para>
/// </summary>
public static class OrphanReaper
{
    private const int PR_SET_CHILD_SUBREAPER = 36;
    private const int WNOHANG = 1;
    private static PosixSignalRegistration? _registration;
    private static int _scheduled;
    private static readonly object Gate = new();

    /// <summary>Reaped so far (tests and diagnostics).</summary>
    public static long Reaped => Interlocked.Read(ref _reaped);
    private static long _reaped;

    /// <summary>Idempotent: the first sandbox host of the process turns it on, for the process's life.</summary>
    public static void Start()
    {
        if (!OperatingSystem.IsLinux()) return;
        lock (Gate)
        {
            if (_registration is not null) return;
            if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return;   // not fatal: PID 1 still reaps them, later
            // .NET's own handling goes on after this handler (Cancel stays false): it reaps what it started
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => Schedule());
        }
        Schedule();
    }

    private static void Schedule()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            Volatile.Write(ref _scheduled, 0);   // a SIGCHLD from now on scans again
            ReapOnce();
        }, null);
    }

    /// <summary>One pass over this process's children: every runsc zombie among them is reaped.</summary>
    public static int ReapOnce()
    {
        var reaped = 0;
        foreach (var pid in Children())
        {
            if (!IsRunscZombie(pid)) continue;
            if (waitpid(pid, out _, WNOHANG) == pid)
            {
                reaped++;
                Interlocked.Increment(ref _reaped);
            }
        }
        return reaped;
    }

    /// <summary>The children of every thread of this process (an orphan goes to one of its threads).</summary>
    private static IEnumerable<int> Children()
    {
        string[] tasks;
        try { tasks = Directory.GetDirectories("/proc/self/task"); }
        catch (IOException) { yield break; }
        foreach (var task in tasks)
        {
            string text;
            try { text = File.ReadAllText(Path.Combine(task, "children")); }
            catch (IOException) { continue; }   // the thread ended
            catch (UnauthorizedAccessException) { continue; }
            foreach (var field in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(field, out var pid)) yield return pid;
        }
    }

    /// <summary>From <c>/proc/PID/stat</c>: "pid (comm) state …"; the command name may hold spaces and parentheses.</summary>
    private static bool IsRunscZombie(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= stat.Length) return false;
        return stat[close + 2] == 'Z' && stat.AsSpan(open + 1, close - open - 1).SequenceEqual("exe");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);
}
