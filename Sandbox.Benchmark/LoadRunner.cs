using System.Diagnostics;

namespace Sandbox.Benchmark;

/// <summary>How one level went: its wall time and how many operations the time budget kept from starting.</summary>
public sealed record LevelRun(TimeSpan Wall, int Started, int NotStarted);

/// <summary>
/// Keeps <c>concurrency</c> operations in flight until <c>operations</c> have run: workers pull the
/// next operation as soon as theirs ends, so the server sees a steady load rather than waves.
/// </summary>
public static class LoadRunner
{
    public static async Task<LevelRun> RunAsync(int concurrency, int operations, TimeSpan budget, Func<int, Task> operation)
    {
        var started = Stopwatch.GetTimestamp();
        var claimed = -1;
        var startedCount = 0;

        async Task WorkerAsync()
        {
            while (Stopwatch.GetElapsedTime(started) < budget)
            {
                var index = Interlocked.Increment(ref claimed);
                if (index >= operations) return;
                Interlocked.Increment(ref startedCount);
                try
                {
                    await operation(index);
                }
                catch (Exception e)
                {
                    // operations record their own failures; this only keeps a bug in one from ending the level
                    Console.Error.WriteLine($"  unexpected failure in operation {index}: {e}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync)));
        return new LevelRun(Stopwatch.GetElapsedTime(started), startedCount, operations - startedCount);
    }
}
