using System.Diagnostics;

namespace Sandbox.Benchmark.Scenarios;

/// <summary>
/// Measurement 5: checkpoint of an idle Python sandbox and its restore by attach. A first, untimed
/// cycle probes the feature: a server without checkpoint storage refuses it, and then the
/// measurement is reported "unavailable" with the server's words rather than as a wall of errors.
/// </summary>
public static class CheckpointScenario
{
    private static readonly object CheckpointInit = new { idle_timeout = 60, enable_checkpoint = true };

    public static async Task<List<MeasurementResult>> RunAsync(BenchmarkContext context)
    {
        var options = context.Options;
        var results = new List<MeasurementResult>();
        var probeCheckpoint = new LatencyRecorder("checkpoint", 0);
        var probeRestore = new LatencyRecorder("restore", 0);
        if (await OneCycleAsync(context, probeCheckpoint, probeRestore) is { } refusal)
        {
            var message = refusal.ServerMessage ?? refusal.Status;
            context.Log($"checkpoint/restore unavailable: {refusal.Message}");
            foreach (var level in options.ConcurrencyLevels)
            {
                results.Add(MeasurementResult.Unavailable("checkpoint", level, $"{refusal.Status}: {message}"));
                results.Add(MeasurementResult.Unavailable("restore", level, $"{refusal.Status}: {message}"));
            }
            return results;
        }
        for (var i = 1; i < options.Warmup; i++) // the probe was the first warm-up cycle
            await OneCycleAsync(context, probeCheckpoint, probeRestore);

        foreach (var level in options.ConcurrencyLevels)
        {
            var checkpoint = new LatencyRecorder("checkpoint", level);
            var restore = new LatencyRecorder("restore", level);
            var run = await LoadRunner.RunAsync(level, options.OperationsAt(level), options.LevelBudget, _ => OneCycleAsync(context, checkpoint, restore));
            context.LogLevel("checkpoint/restore", level, run, checkpoint, restore);
            results.Add(checkpoint.Summarize(run.Wall, run.NotStarted));
            results.Add(restore.Summarize(run.Wall, run.NotStarted));
        }
        return results;
    }

    /// <summary>One sandbox: create, python exec, checkpoint (timed), attach/restore (timed), verify, kill.
    /// Returns the server's refusal when it says the feature is not available.</summary>
    private static async Task<ServerRefusalException?> OneCycleAsync(BenchmarkContext context, LatencyRecorder checkpoint, LatencyRecorder restore)
    {
        var timeout = context.Options.OperationTimeout;
        SandboxHandle sandbox;
        using (var limit = new CancellationTokenSource(timeout))
        {
            try
            {
                sandbox = await SandboxOperations.CreateAsync(context.WebSocketBase, CheckpointInit, limit.Token);
            }
            catch (Exception e)
            {
                checkpoint.RecordError("create with enable_checkpoint failed: " + SandboxOperations.Describe(e));
                return e is ServerRefusalException { Status: "SANDBOX_CREATION_ERROR" } refusal ? refusal : null;
            }
        }

        var checkpointed = false;
        try
        {
            using (var limit = new CancellationTokenSource(timeout))
            {
                try
                {
                    // a sandbox that has run code has a warm interpreter and dirty pages: the realistic thing to checkpoint
                    await SandboxOperations.ExecuteAsync(sandbox, SandboxOperations.PythonProbe, SandboxOperations.PythonProbeOutput, limit.Token);
                }
                catch (Exception e)
                {
                    checkpoint.RecordError("python exec before the checkpoint failed: " + SandboxOperations.Describe(e));
                    return null;
                }
            }
            ServerRefusalException? checkpointRefusal = null;
            checkpointed = await checkpoint.TimeAsync(timeout, async ct =>
            {
                try
                {
                    await SandboxOperations.CheckpointAsync(sandbox, ct);
                }
                catch (ServerRefusalException e) when (e.Status == "SANDBOX_CHECKPOINT_ERROR")
                {
                    checkpointRefusal = e;
                    throw;
                }
            });
            if (!checkpointed) return checkpointRefusal;
        }
        finally
        {
            // after a refused checkpoint the sandbox keeps running (§6.6) and must be removed
            if (!checkpointed) await context.CleanupAsync(sandbox);
            await sandbox.Connection.DisposeAsync();
        }

        await RestoreAndVerifyAsync(context, sandbox, restore);
        return null;
    }

    private static async Task RestoreAndVerifyAsync(BenchmarkContext context, SandboxHandle checkpointed, LatencyRecorder restore)
    {
        var timeout = context.Options.OperationTimeout;
        SandboxHandle restored;
        TimeSpan restoreTime;
        using (var limit = new CancellationTokenSource(timeout))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                restored = await SandboxOperations.AttachAsync(context.WebSocketBase, checkpointed.SandboxId, checkpointed.SandboxToken, limit.Token);
                restoreTime = Stopwatch.GetElapsedTime(started);
            }
            catch (Exception e)
            {
                restore.RecordError(limit.IsCancellationRequested ? $"timed out after {timeout.TotalSeconds:0} s" : SandboxOperations.Describe(e));
                if (e is ServerRefusalException { Status: "SANDBOX_RESTORE_ERROR" or "SANDBOX_NOT_FOUND" })
                    // nothing runs, and attaching again to kill it would only retry the restore
                    context.LeftBehind(checkpointed.SandboxId, "its restore failed, so its checkpoint stays on the server");
                else
                    await context.CleanupAsync(checkpointed); // its socket is closed: this attaches anew
                return;
            }
        }
        try
        {
            // a restore only counts when the restored sandbox runs code again
            using var limit = new CancellationTokenSource(timeout);
            await SandboxOperations.ExecuteAsync(restored, SandboxOperations.PythonProbe, SandboxOperations.PythonProbeOutput, limit.Token);
            restore.Record(restoreTime);
        }
        catch (Exception e)
        {
            restore.RecordError("restored sandbox failed to run python: " + SandboxOperations.Describe(e));
        }
        finally
        {
            await context.CleanupAsync(restored);
            await restored.Connection.DisposeAsync();
        }
    }
}
