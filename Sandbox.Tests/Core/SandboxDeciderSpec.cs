using Sandbox.Core.Calls;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxEffect;
using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;
using static Sandbox.Tests.Core.SandboxStates;

namespace Sandbox.Tests.Core;

/// <summary>The sandbox decider on its own: no actor, no runsc, no clock but the one it is given.</summary>
public class SandboxDeciderSpec
{
    public static IEnumerable<object[]> EveryInputInEveryState() =>
        from s in All()
        from i in Commands().Concat(Signals())
        select new object[] { s.Name, i };

    /// <summary>Whoever should hear about a command: its own session field, else the sender.</summary>
    private static ClientRef Recipient(object command) => command switch
    {
        CreateSandbox c => c.Session,
        AttachSandbox a => a.Session,
        AdminCommand or GetSandboxInfo => Operator,
        _ => Session,
    };

    [Theory]
    [MemberData(nameof(EveryInputInEveryState))]
    public void Every_input_in_every_state_is_decided_and_no_waiting_client_is_left_without_an_answer(string state, object input)
    {
        var s = All().Single(x => x.Name == state).State;
        var from = Recipient(input);
        var decision = SandboxDecider.Decide(s, input, from, Facts());
        var after = decision.Events.Aggregate(s, (x, e) => x.Apply(e));   // every event applies

        Assert.DoesNotContain(decision.Events, e => e is not (IJournaledEvent or ITransientEvent));
        if (input is not IWithSandboxId command) return;
        var answeredNow = decision.Effects.OfType<Send>().Any(m => m.To == from);
        var answeredLater = decision.Effects.Any(e => e is Defer or Reroute or StartContainer or RestoreContainer or SyncRunner
            or FreezeContainer or Stop or SandboxEffect.Passivate or DestroyContainer or SendStdin or TakeForkImage or PerformCall)
            || decision.Events.Any(e => e is CallAwaitsRestore or RestoreBegan);   // answered with the restore
        var needsNoAnswer = command is DetachSession or OutputAck or StopSandbox or SandboxCalls.EndTransfer or MakeRoom
            // a session command from a client that is not attached: there is nobody to answer
            || (from == Session && s.Session != Session && command is ExecuteCode or KillProcess or Reconnect or WriteStdin);
        Assert.True(answeredNow || answeredLater || needsNoAnswer,
            $"{input.GetType().Name} in state '{state}' was decided into nothing for {from}: events [{string.Join(", ", decision.Events.Select(e => e.GetType().Name))}]");
        // whatever happens, a sandbox never ends without saying why
        if (after.Lifecycle == SandboxLifecycle.Ended) Assert.NotNull(after.EndedReason);
    }

    [Fact]
    public void The_state_refuses_an_event_it_does_not_know()
    {
        Assert.Throws<ArgumentException>(() => New.Apply(new UnknownEvent()));
    }

    private sealed record UnknownEvent : ITransientEvent;

    [Fact]
    public void A_create_journals_the_sandbox_and_starts_its_container()
    {
        var (s, d) = Step(New, new CreateSandbox(Id, TokenHash, Settings(), Session), Session);
        Assert.Contains(d.Events, e => e is Created { SandboxId: Id });
        Assert.True(d.Journals);
        Assert.Contains(d.Effects, e => e is StartContainer { SnapshotName: null });
        Assert.Equal((SandboxLifecycle.Starting, SandboxPhase.Starting, Session), (s.Lifecycle, s.Phase, s.Creator));
    }

    [Fact]
    public void A_host_without_room_refuses_a_create_without_journaling_anything()
    {
        var (s, d) = Step(New, new CreateSandbox(Id, TokenHash, Settings(), Session), Session,
            Facts(admission: new HostRefusal("this host is at its capacity of 1 sandboxes", Busy: false)));
        Assert.False(d.Journals);
        var refusal = Assert.IsType<HostRefusedCreate>(d.Effects.OfType<Send>().Single().Message);
        Assert.Equal(("node-a", false), (refusal.Node, refusal.Busy));
        Assert.Contains(d.Effects, e => e is SandboxEffect.Passivate);
        Assert.Equal(SandboxLifecycle.New, s.Lifecycle);
    }

    [Fact]
    public void The_creator_hears_attached_once_the_container_runs_and_the_idle_timer_starts()
    {
        var (s, d) = Step(Starting, new ContainerStarted("pool-1", false));
        Assert.Contains(d.Events, e => e is Started { Node: "node-a", ContainerKey: "pool-1" });
        Assert.Contains(d.Effects, e => e is Send { Message: SandboxAttached { Restored: false } } m && m.To == Session);
        Assert.Contains(d.Effects, e => e is StartTimer { Name: Timers.Idle });
        Assert.Contains(d.Effects, e => e is ContainerRunning { ContainerKey: "pool-1" });
        Assert.Equal((SandboxLifecycle.Running, Session, "pool-1"), (s.Lifecycle, s.Session, s.EffectiveContainerKey));
    }

    [Fact]
    public void A_container_that_fails_to_start_ends_the_sandbox_as_runtime_failed_and_tells_the_creator_why()
    {
        var (s, d) = Step(Starting, new ContainerFailed("no rootfs", false));
        var rejected = Assert.IsType<SandboxRejected>(d.Effects.OfType<Send>().Single().Message);
        Assert.Equal(SandboxStatus.CreationError, rejected.Status);
        Assert.Contains("no rootfs", rejected.Error);
        Assert.Equal((SandboxLifecycle.Ended, EndedReason.RuntimeFailed), (s.Lifecycle, s.EndedReason));
    }

    [Fact]
    public void An_attach_with_a_wrong_token_is_refused_and_changes_nothing()
    {
        var (s, d) = Step(Detached, new AttachSandbox(Id, SandboxIdentity.HashToken("guess"), Other));
        Assert.Equal(SandboxStatus.PermissionDenialError, Assert.IsType<SandboxRejected>(d.Effects.OfType<Send>().Single().Message).Status);
        Assert.Null(s.Session);
    }

    [Fact]
    public void A_second_attach_is_refused_as_in_use_unless_handoff_is_enabled()
    {
        var (_, refused) = Step(Running, new AttachSandbox(Id, TokenHash, Other));
        Assert.Equal(SandboxStatus.InUse, Assert.IsType<SandboxRejected>(refused.Effects.OfType<Send>().Single().Message).Status);

        var handoff = Run(New, new CreateSandbox(Id, TokenHash, Settings(handoff: true), Session), new ContainerStarted("k", false),
            new ExecuteCode(Id, "bash", "sleep 9", false));
        var (s, d) = Step(handoff, new AttachSandbox(Id, TokenHash, Other));
        var toOld = d.Effects.OfType<Send>().Where(m => m.To == Session).Select(m => m.Message).ToList();
        Assert.Equal(SandboxStatus.ExecutionForceKilled, toOld.OfType<StatusEvent>().ElementAt(2).Status);
        Assert.IsType<SessionReplaced>(toOld[^1]);
        Assert.Contains(d.Effects, e => e is KillExecution);
        Assert.Equal(Other, s.Session);
        Assert.True(s.LastExecKilled);
    }

    [Fact]
    public void An_execution_puts_running_its_output_and_done_in_one_numbered_sequence()
    {
        var s = Run(Running, new ExecuteCode(Id, "python", "print('é')", false));
        var (a, d1) = Step(s, new RunnerOutput(1, false, [0xC3]));          // half a character: nothing to send yet
        var (b, d2) = Step(a, new RunnerOutput(1, false, [0xA9, (byte)'\n']));
        var (c, d3) = Step(b, new RunnerExecExited(1, 0));
        var sent = new[] { d1, d2, d3 }.SelectMany(d => d.Effects.OfType<Send>()).Select(m => (ExecutionEvent)m.Message).ToList();
        Assert.Equal([(2L, ExecutionEventKind.Stdout, "é\n"), (3L, ExecutionEventKind.Status, SandboxStatus.ExecutionDone)],
            sent.Select(e => (e.Seq, e.Kind, e.Data)));
        Assert.Equal(1, s.Foreground!.Unacked.Peek().Seq);   // RUNNING is the log's first event
        Assert.False(c.ExecutionRunning);
    }

    [Fact]
    public void A_second_execution_while_one_runs_is_refused_as_already_in_progress()
    {
        var (_, d) = Step(Executing, new ExecuteCode(Id, "bash", "true", false), Session);
        Assert.Equal(new StatusEvent(SandboxStatus.ExecutionError, "An execution is already in progress."), d.Effects.OfType<Send>().Single().Message);
        Assert.DoesNotContain(d.Effects, e => e is StartExecution);
    }

    [Fact]
    public void Kill_process_puts_force_killed_into_the_log_before_its_done()
    {
        var (s, d) = Step(Executing, new KillProcess(Id), Session);
        Assert.Contains(d.Effects, e => e is KillExecution { ExecId: 1 });
        var (_, exited) = Step(s, new RunnerExecExited(1, -9));
        var statuses = d.Effects.Concat(exited.Effects).OfType<Send>().Select(m => ((ExecutionEvent)m.Message).Data).ToList();
        Assert.Equal([SandboxStatus.ExecutionForceKilled, SandboxStatus.ExecutionDone], statuses);
        var (_, stdin) = Step(s, new WriteStdin(Id, "x"), Session);
        Assert.Equal(SandboxStatus.ExecutionError, ((StatusEvent)stdin.Effects.OfType<Send>().Single().Message).Status);
    }

    [Fact]
    public void Output_credit_returns_to_the_runner_only_when_the_client_acknowledges_what_it_was_sent()
    {
        var (s, d) = Step(Executing, new RunnerOutput(1, false, "0123456789ab"u8.ToArray()));
        Assert.DoesNotContain(d.Effects, e => e is GrantOutputCredit);      // twelve bytes wait for the client
        var last = s.Foreground!.LastSeq;
        var (acked, a) = Step(s, new OutputAck(Id, last));
        Assert.Equal(12, Assert.Single(a.Effects.OfType<GrantOutputCredit>()).Bytes);
        Assert.Equal(0, acked.Foreground!.UnackedBytes);
    }

    [Fact]
    public void Half_a_character_and_output_of_no_execution_are_credited_back_at_once()
    {
        var (_, half) = Step(Executing, new RunnerOutput(1, false, [0xC3]));
        Assert.Equal(1, Assert.Single(half.Effects.OfType<GrantOutputCredit>()).Bytes);
        var (_, stray) = Step(Executing, new RunnerOutput(7, false, "old\n"u8.ToArray()));
        Assert.Equal(new GrantOutputCredit(7, 4), Assert.Single(stray.Effects.OfType<GrantOutputCredit>()));
    }

    [Fact]
    public void After_a_reattach_output_waits_for_reconnect_which_replays_every_unacknowledged_event_once()
    {
        var s = Run(Executing, new RunnerOutput(1, false, "seen\n"u8.ToArray()));
        s = Step(s, new OutputAck(Id, 2)).State;                                   // RUNNING and "seen" reached the client
        s = Run(s, new DetachSession(Id, Session), new RunnerOutput(1, false, "missed\n"u8.ToArray()));
        var (attached, d) = Step(s, new AttachSandbox(Id, TokenHash, Other));
        Assert.True(attached.Foreground!.Held);
        var (live, held) = Step(attached, new RunnerOutput(1, true, "later\n"u8.ToArray()));
        Assert.Empty(held.Effects.OfType<Send>());                                  // kept until the client asks
        var (_, replay) = Step(live, new Reconnect(Id), Other);
        var events = replay.Effects.OfType<Send>().Select(m => (ExecutionEvent)m.Message).Select(e => e.Data).ToList();
        Assert.Equal([SandboxStatus.ExecutionRunning, "missed\n", "later\n"], events);
    }

    [Fact]
    public void Kill_sandbox_tells_the_kill_sequence_then_tears_the_container_down_and_ends_killed()
    {
        var (s, d) = Step(Executing, new KillSandbox(Id), Session);
        var told = d.Effects.OfType<Send>().Select(m => m.Message).ToList();
        Assert.Equal([SandboxStatus.Killing, SandboxStatus.Deleting, SandboxStatus.ExecutionDone, SandboxStatus.Deleted, SandboxStatus.Killed],
            told.OfType<StatusEvent>().Select(x => x.Status));
        Assert.Equal(new CloseSession(CloseCodes.Normal), told[^1]);
        Assert.Contains(d.Effects, e => e is DestroyContainer);
        Assert.Equal((SandboxLifecycle.Ended, EndedReason.Killed, SandboxPhase.TearingDown), (s.Lifecycle, s.EndedReason, s.Phase));
        var (done, destroyed) = Step(s, new ContainerDestroyed(null));
        Assert.Contains(destroyed.Effects, e => e is SandboxEffect.Passivate);
        Assert.Equal(SandboxPhase.Idle, done.Phase);
    }

    [Fact]
    public void An_idle_sandbox_ends_for_idle_timeout_but_one_that_was_busy_waits_for_the_rest_of_its_timeout()
    {
        var s = Running;   // touched at T0, idle timeout 300 s
        var (early, wait) = Step(s, IdleCheck.Instance, facts: Facts(T0.AddSeconds(100)));
        Assert.Equal(TimeSpan.FromSeconds(200), wait.Effects.OfType<StartTimer>().Single().Delay);
        var (ended, _) = Step(early, IdleCheck.Instance, facts: Facts(T0.AddSeconds(301)));
        Assert.Equal(EndedReason.IdleTimeout, ended.EndedReason);

        var auto = Run(New, new CreateSandbox(Id, TokenHash, Settings() with { AutoCheckpointOnIdle = true }, Session), new ContainerStarted("k", false));
        var (checkpointing, _) = Step(auto, IdleCheck.Instance, facts: Facts(T0.AddSeconds(301)));
        Assert.Equal((SandboxPhase.Checkpointing, CheckpointKind.Idle), (checkpointing.Phase, checkpointing.Checkpoint!.Kind));
    }

    [Fact]
    public void A_checkpoint_quiesces_the_runner_first_and_completes_once_stored_and_the_stream_ended()
    {
        var s = Checkpointing;
        Assert.Equal(SandboxPhase.Checkpointing, s.Phase);
        var (quiesced, q) = Step(s, new RunnerSynced(s.Checkpoint!.SyncId));
        Assert.Contains(q.Effects, e => e is TakeCheckpoint);
        var (stored, st) = Step(quiesced, new CheckpointStored(new StoredCheckpoint("ckpt-1", 10, "abc", 1)));
        Assert.False(st.Journals);                                                  // the runner's last frames may still come
        var (paused, end) = Step(stored, new RunnerStreamEnded());
        var taken = Assert.IsType<CheckpointTaken>(end.Events.Single(e => e is CheckpointTaken));
        Assert.NotNull(taken.Execution);                                            // the running execution's host half goes with it
        Assert.Equal([SandboxStatus.Deleting, SandboxStatus.Deleted, SandboxStatus.Checkpointed],
            end.Effects.OfType<Send>().Select(m => m.Message).OfType<StatusEvent>().Select(x => x.Status));
        Assert.Equal((SandboxLifecycle.Paused, "ckpt-1"), (paused.Lifecycle, paused.LatestCheckpoint!.Key));
    }

    [Fact]
    public void Network_bytes_add_up_over_runs_each_checkpoint_adding_what_its_lease_counted()
    {
        SandboxState PauseWith(SandboxState s, NetworkBytes lease)
        {
            s = Run(s, new CheckpointSandbox(Id));
            return Reincarnated(Run(s, new RunnerSynced(s.Checkpoint!.SyncId),
                new CheckpointStored(new StoredCheckpoint($"ckpt-{s.JournalVersion}", 10, "abc", 1)) { LeaseBytes = lease }, new RunnerStreamEnded()));
        }
        var first = PauseWith(Running, new NetworkBytes(100, 2_000));
        Assert.Equal(new NetworkBytes(100, 2_000), first.NetworkBytesBefore);
        var second = PauseWith(Run(first, new AttachSandbox(Id, TokenHash, Session), new ContainerStarted("key-1", true)), new NetworkBytes(5, 50));
        Assert.Equal(new NetworkBytes(105, 2_050), second.NetworkBytesBefore);
        var summary = SandboxSummary.Of(second);
        Assert.Equal((105L, 2_050L), (summary.NetworkBytesSent, summary.NetworkBytesReceived));
    }

    [Fact]
    public void Only_an_idle_detached_sandbox_with_checkpoints_may_be_paused_to_make_room()
    {
        Assert.True(Detached.MayMakeRoom(checkpointStore: true));
        Assert.False(Detached.MayMakeRoom(checkpointStore: false));
        Assert.False(Running.MayMakeRoom(true));                                    // a reference client is attached
        Assert.False(Checkpointing.MayMakeRoom(true));
        Assert.False(Paused.MayMakeRoom(true));
        var withoutCheckpoints = Run(Run(New, new CreateSandbox(Id, TokenHash, Settings(checkpoint: false), Session)),
            new ContainerStarted("key-1", false), new DetachSession(Id, Session));
        Assert.False(withoutCheckpoints.MayMakeRoom(true));
    }

    [Fact]
    public void A_sandbox_chosen_to_make_room_pauses_and_its_history_says_its_host_needed_the_memory()
    {
        var (pausing, d) = Step(Detached, new MakeRoom(Id));
        Assert.Equal(CheckpointKind.MakeRoom, pausing.Checkpoint!.Kind);
        Assert.Contains(d.Effects, e => e is SyncRunner { Quiesce: true });
        var paused = Run(pausing, new RunnerSynced(pausing.Checkpoint.SyncId), new CheckpointStored(new StoredCheckpoint("ckpt-1", 10, "abc", 1)),
            new RunnerStreamEnded());
        Assert.Equal(SandboxLifecycle.Paused, paused.Lifecycle);
        Assert.Contains(paused.History, h => h.Type == "paused" && h.Detail.StartsWith("its host needed the memory for other sandboxes"));

        // busy or gone since its host chose it: left alone
        foreach (var busy in new[] { Running, Executing, Checkpointing, Paused, SandboxStates.Ended })
        {
            var (_, left) = Step(busy, new MakeRoom(Id));
            Assert.Empty(left.Events);
            Assert.DoesNotContain(left.Effects, e => e is SyncRunner or Defer);
        }
    }

    [Fact]
    public void A_create_admitted_past_a_full_host_asks_the_sandbox_its_host_chose_to_make_room()
    {
        var (_, d) = Step(New, new CreateSandbox(Id, TokenHash, Settings(), Session), Session, Facts() with { MakeRoomBy = "sandbox-idle" });
        Assert.Contains(d.Effects, e => e is PauseForRoom { SandboxId: "sandbox-idle" });
        Assert.Contains(d.Effects, e => e is StartContainer);
    }

    [Fact]
    public void A_checkpoint_that_fails_before_the_image_keeps_the_sandbox_running_and_sends_what_was_held()
    {
        var s = Step(Checkpointing, new RunnerSynced(Checkpointing.Checkpoint!.SyncId)).State;
        s = Step(s, new RunnerOutput(1, false, "during\n"u8.ToArray())).State;     // held: the checkpoint may carry it
        var (running, d) = Step(s, new CheckpointFailed("store is full", StillRunning: true, RestoredOnTheSpot: false));
        Assert.Contains(d.Effects, e => e is ResumeRunner);
        var told = d.Effects.OfType<Send>().Select(m => m.Message).ToList();
        Assert.Contains(told, m => m is ExecutionEvent { Data: "during\n" });
        Assert.Contains(told, m => m is StatusEvent { Status: SandboxStatus.CheckpointError } e && e.Error!.Contains("store is full"));
        Assert.Equal((SandboxLifecycle.Running, SandboxPhase.Idle), (running.Lifecycle, running.Phase));
    }

    [Fact]
    public void A_checkpoint_that_takes_the_container_with_it_falls_back_to_the_previous_checkpoint()
    {
        var restored = Run(Restoring, new ContainerStarted("key-1", true));
        var s = Run(restored, new CheckpointSandbox(Id));
        var (paused, d) = Step(s, new CheckpointFailed("runsc crashed", StillRunning: false, RestoredOnTheSpot: false));
        Assert.Contains(d.Events, e => e is ContainerLost);
        Assert.Equal((SandboxLifecycle.Paused, "ckpt-1"), (paused.Lifecycle, paused.LatestCheckpoint!.Key));

        var (ended, _) = Step(Checkpointing, new CheckpointFailed("runsc crashed", StillRunning: false, RestoredOnTheSpot: false));
        Assert.Equal(EndedReason.RuntimeFailed, ended.EndedReason);                 // nothing to fall back on
    }

    [Fact]
    public void A_paused_sandbox_is_restored_for_a_valid_attach_and_its_held_execution_resumes_on_reconnect()
    {
        var (restoring, d) = Step(Paused, new AttachSandbox(Id, TokenHash, Other));
        Assert.Equal(new StatusEvent(SandboxStatus.Restoring), d.Effects.OfType<Send>().First().Message);
        Assert.Contains(d.Effects, e => e is RestoreContainer { Checkpoint.Key: "ckpt-1" });
        var (running, r) = Step(restoring, new ContainerStarted("key-1", Restored: true));
        Assert.Contains(r.Effects, e => e is Send { Message: SandboxAttached { Restored: true } } m && m.To == Other);
        Assert.True(running.Foreground!.Held);
        var (_, replay) = Step(running, new Reconnect(Id), Other);
        Assert.Equal(SandboxStatus.ExecutionRunning, ((ExecutionEvent)replay.Effects.OfType<Send>().First().Message).Data);

        var (_, failed) = Step(restoring, new ContainerFailed("image corrupt", Restore: true));
        Assert.Equal(SandboxStatus.RestoreError, Assert.IsType<SandboxRejected>(failed.Effects.OfType<Send>().Single().Message).Status);
    }

    [Fact]
    public void A_sandbox_recovered_as_running_on_a_node_without_its_container_ends_as_host_lost_or_falls_back()
    {
        var (lost, _) = Step(Recovering, new LeftoversRemoved());
        Assert.Equal((SandboxLifecycle.Ended, EndedReason.HostLost), (lost.Lifecycle, lost.EndedReason));

        var withCheckpoint = Step(Reincarnated(Run(Restoring, new ContainerStarted("key-1", true))), Recovered.Instance).State;
        var (paused, _) = Step(withCheckpoint, new LeftoversRemoved());
        Assert.Equal(SandboxLifecycle.Paused, paused.Lifecycle);
    }

    [Fact]
    public void Commands_that_arrive_during_an_operation_wait_for_it_and_are_decided_after()
    {
        foreach (var busy in new[] { Starting, Checkpointing, Restoring, TearingDown, Recovering })
        {
            var (_, d) = Step(busy, new ExecuteCode(Id, "bash", "true", false), Session);
            Assert.Equal([new Defer()], d.Effects);
        }
        var (_, done) = Step(Starting, new ContainerStarted("k", false));
        Assert.Contains(done.Effects, e => e is Unstash);
    }

    [Fact]
    public void A_sandbox_that_asked_to_be_passivated_sends_commands_back_through_its_region()
    {
        var s = New with { Passivating = true };
        Assert.Equal([new Reroute()], SandboxDecider.Decide(s, new AttachSandbox(Id, TokenHash, Session), Session, Facts()).Effects);
        Assert.Same(Decision.Nothing, SandboxDecider.Decide(s, new AttachSandbox(Id, TokenHash, Session), Session, Facts() with { NodeShuttingDown = true }));
    }

    [Fact]
    public void A_container_that_dies_ends_the_sandbox_as_runtime_failed_and_the_client_hears_why()
    {
        var (s, d) = Step(Executing, new ContainerExited("runsc exited with 137"));
        var told = d.Effects.OfType<Send>().Select(m => m.Message).OfType<StatusEvent>().ToList();
        Assert.Equal([SandboxStatus.ExecutionDone, SandboxStatus.Error, SandboxStatus.Deleted], told.Select(x => x.Status));
        Assert.Equal("runsc exited with 137", told[1].Error);
        Assert.Equal((EndedReason.RuntimeFailed, "runsc exited with 137"), (s.EndedReason, s.EndedDetail));
    }

    [Fact]
    public void A_snapshot_syncs_the_runner_first_and_refuses_a_name_that_is_a_path()
    {
        var (s, d) = Step(Running, new SnapshotFilesystem(Id, "base"), Session);
        var sync = Assert.Single(d.Effects.OfType<SyncRunner>());
        Assert.False(sync.Quiesce);
        var (_, synced) = Step(s, new RunnerSynced(sync.SyncId));
        Assert.Contains(synced.Effects, e => e is TakeSnapshot { Name: "base" });

        var (_, bad) = Step(Running, new SnapshotFilesystem(Id, "../etc"), Session);
        Assert.Contains(bad.Effects.OfType<Send>(), m => m.Message is StatusEvent { Status: SandboxStatus.FilesystemSnapshotError });
        Assert.DoesNotContain(bad.Effects, e => e is SyncRunner);
    }

    [Fact]
    public void An_execution_past_its_time_limit_is_killed_with_a_line_on_stderr_that_names_the_limit()
    {
        var (_, d) = Step(Executing, new ExecutionTimeLimitReached(1));
        var told = d.Effects.OfType<Send>().Select(m => (ExecutionEvent)m.Message).ToList();
        Assert.Contains("wall-clock limit", told[0].Data);
        Assert.Equal(SandboxStatus.ExecutionForceKilled, told[1].Data);
        Assert.Contains(d.Effects, e => e is KillExecution);
    }

    [Fact]
    public void The_history_records_each_journaled_step_with_its_time()
    {
        var s = Run(Paused, new AttachSandbox(Id, TokenHash, Other), new ContainerStarted("key-1", true));
        Assert.Equal(["created", "started", "paused", "restored"], s.History.Select(h => h.Type));
        Assert.All(s.History, h => Assert.Equal(T0, h.At));
    }
    [Fact]
    public void An_operator_reads_the_description_and_history_of_a_sandbox_another_key_owns_and_that_key_alone_is_told_it_does_not_exist()
    {
        var owned = Run(New, new CreateSandbox(Id, TokenHash, Settings(), Session) { Owner = "key-1" }, new ContainerStarted("key-1", false));

        var (_, described) = Step(owned, new DescribeSandbox(Id, Access.Operator), Operator);
        Assert.Equal("key-1", Assert.IsType<SandboxDescription>(described.Effects.OfType<Send>().Single(m => m.To == Operator).Message).Summary.Owner);
        var (_, history) = Step(owned, new GetSandboxHistory(Id, Access.Operator), Operator);
        Assert.Equal(["created", "started"], Assert.IsType<SandboxHistory>(history.Effects.OfType<Send>().Single().Message).Entries.Select(e => e.Type));

        var (_, stranger) = Step(owned, new DescribeSandbox(Id, new Access("key-2", null, KeysConfigured: true)), Other);
        Assert.Equal(ApiRefusal.NotFound, Assert.IsType<ApiRefused>(stranger.Effects.OfType<Send>().Single().Message).Kind);
        // an id that never existed is unknown to operators too
        var (_, unknown) = Step(New, new DescribeSandbox(Id, Access.Operator), Operator);
        Assert.Equal(ApiRefusal.NotFound, Assert.IsType<ApiRefused>(unknown.Effects.OfType<Send>().Single().Message).Kind);
    }

    [Fact]
    public void A_call_to_a_running_sandbox_is_performed_and_answered_by_the_runner_side()
    {
        var call = new SandboxCalls.StatFile(Id, Access.Operator, "/etc");
        var (_, d) = Step(Running, call, Other);
        Assert.Equal(new PerformCall(call, Other), Assert.Single(d.Effects.OfType<PerformCall>()));
    }

    [Fact]
    public void Calls_are_activity_but_the_process_count_of_a_get_is_not()
    {
        var later = Facts(T0.AddMinutes(3));
        var (touched, _) = Step(Running, new SandboxCalls.StatFile(Id, Access.Operator, "/etc"), Other, later);
        Assert.Equal(later.Now, touched.LastActivity);
        var (looked, listing) = Step(Running, new SandboxCalls.ListProcesses(Id, Access.Operator), Other, later);
        Assert.Equal(Running.LastActivity, looked.LastActivity);
        Assert.Single(listing.Effects.OfType<PerformCall>());
    }

    [Fact]
    public void The_process_count_of_a_get_does_not_wake_a_sandbox_that_paused_meanwhile_but_a_listing_does()
    {
        var (still, peek) = Step(Paused, new SandboxCalls.ListProcesses(Id, Access.Operator) { Peek = true }, Other);
        Assert.Equal((SandboxLifecycle.Paused, SandboxPhase.Idle), (still.Lifecycle, still.Phase));
        Assert.Equal(ApiRefusal.Conflict, Assert.IsType<ApiRefused>(Assert.Single(peek.Effects.OfType<Send>()).Message).Kind);
        var (restoring, _) = Step(Paused, new SandboxCalls.ListProcesses(Id, Access.Operator), Other);
        Assert.Equal(SandboxPhase.Restoring, restoring.Phase);
    }

    [Fact]
    public void A_paused_sandbox_is_restored_for_a_call_which_goes_ahead_once_it_runs()
    {
        var call = new SandboxCalls.StatFile(Id, Access.Operator, "/etc");
        var (restoring, d) = Step(Paused, call, Other);
        Assert.Contains(d.Effects, e => e is RestoreContainer);
        Assert.Equal(SandboxPhase.Restoring, restoring.Phase);
        var second = new SandboxCalls.ListFiles(Id, Access.Operator, "/", 1);
        var (waiting, _) = Step(restoring, second, Session);
        var (running, done) = Step(waiting, new ContainerStarted("key-1", true));
        Assert.Equal(SandboxLifecycle.Running, running.Lifecycle);
        Assert.Equal([call, second], done.Effects.OfType<PerformCall>().Select(p => (object)p.Call));
        Assert.Empty(running.AwaitingRestore);
    }

    [Fact]
    public void A_failed_restore_refuses_the_calls_that_waited_for_it_once_and_stays_paused()
    {
        var (restoring, _) = Step(Paused, new SandboxCalls.StatFile(Id, Access.Operator, "/etc"), Other);
        var (after, d) = Step(restoring, new ContainerFailed("image corrupt", true));
        var refusal = Assert.Single(d.Effects.OfType<Send>().Where(m => m.To == Other));
        Assert.Equal(ApiRefusal.Failed, ((ApiRefused)refusal.Message).Kind);
        Assert.Equal(SandboxLifecycle.Paused, after.Lifecycle);
        Assert.Empty(after.AwaitingRestore);
    }

    [Fact]
    public void A_running_source_takes_one_fork_image_at_a_time_and_answers_with_it()
    {
        var (forking, d) = Step(Running, new ForkSandbox(Id, Access.Operator, 3), Other);
        Assert.Single(d.Effects.OfType<TakeForkImage>());
        Assert.True(forking.ForkInFlight);
        Assert.Contains(Step(forking, new ForkSandbox(Id, Access.Operator, 1), Session).Decision.Effects, e => e is Defer);
        Assert.Contains(Step(forking, new PauseSandbox(Id, Access.Operator), Session).Decision.Effects, e => e is Defer);
        var (after, taken) = Step(forking, new ForkImageTaken(new StoredCheckpoint("fork-1", 10, "abc", 1), null));
        var image = (ForkImage)Assert.Single(taken.Effects.OfType<Send>().Where(m => m.To == Other)).Message;
        Assert.Equal("fork-1", image.Image.Key);
        Assert.True(image.Image.Shared);
        Assert.False(after.ForkInFlight);
        Assert.Equal("forked", after.History[^1].Type);
        Assert.Contains(taken.Events, e => e is Forked { Count: 3 });
    }

    [Fact]
    public void The_images_a_source_took_for_its_forks_leave_the_store_when_the_source_ends_and_not_before()
    {
        var forked = Run(Run(Running, new ForkSandbox(Id, Access.Operator, 1)), new ForkImageTaken(new StoredCheckpoint("fork-1", 10, "abc", 1), null));
        forked = Run(Run(forked, new ForkSandbox(Id, Access.Operator, 2)), new ForkImageTaken(new StoredCheckpoint("fork-2", 10, "abc", 1), null));
        Assert.Equal(["fork-1", "fork-2"], Reincarnated(forked).ForkImages);         // journaled: a later incarnation still knows them
        Assert.DoesNotContain(Step(forked, new DetachSession(Id, Session)).Decision.Effects, e => e is DeleteStoredCheckpoint);
        var (_, killed) = Step(forked, new KillSandbox(Id));
        Assert.Equal(["fork-1", "fork-2"], killed.Effects.OfType<DeleteStoredCheckpoint>().Select(x => x.Key));
    }

    [Fact]
    public void A_paused_source_hands_out_its_checkpoint_without_waking()
    {
        var (_, d) = Step(Paused, new ForkSandbox(Id, Access.Operator, 2), Other);
        Assert.DoesNotContain(d.Effects, e => e is RestoreContainer);
        var image = (ForkImage)Assert.Single(d.Effects.OfType<Send>()).Message;
        Assert.Equal(Paused.LatestCheckpoint!.Key, image.Image.Key);
        Assert.Null(image.Image.Execution);
    }

    [Fact]
    public void A_fork_starts_from_its_image_under_its_own_hostname_and_never_deletes_the_image()
    {
        var image = new CheckpointRef("fork-1", 10, "abc", 1) { Shared = true };
        var settings = Settings() with { Fork = new ForkOrigin("sandbox-source", image) };
        var (starting, d) = Step(New, new CreateSandbox(Id, TokenHash, settings, Session));
        var start = Assert.Single(d.Effects.OfType<StartFork>());
        Assert.Equal(Id, start.Hostname);
        Assert.Equal("forked_from", starting.History[0].Type);
        var running = Run(starting, new ContainerStarted("key-1", false));
        var (_, killed) = Step(running, new KillSandbox(Id), Session);
        Assert.DoesNotContain(killed.Effects, e => e is DeleteStoredCheckpoint);
    }
}
