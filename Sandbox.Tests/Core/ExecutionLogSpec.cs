using Sandbox.Core.Execution;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Tests.Core;

public class ExecutionLogSpec
{
    [Fact]
    public void A_character_split_across_two_chunks_arrives_whole_in_the_second()
    {
        var (log, _) = ExecutionLog.Begin(1, 0);
        var euro = "€"u8.ToArray();   // three bytes
        var (a, first) = log.WithOutput(false, euro.AsSpan(0, 2));
        var (b, second) = a.WithOutput(false, euro.AsSpan(2));
        Assert.Null(first);
        Assert.Equal("€", second!.Data);
        Assert.Equal(3, b.OutputBytes);
    }

    [Fact]
    public void An_incomplete_character_at_the_end_becomes_a_replacement_character_before_done()
    {
        var (log, _) = ExecutionLog.Begin(1, 0);
        var (a, _) = log.WithOutput(true, [0xE2, 0x82]);
        var (done, tail) = a.Finish();
        Assert.Equal([(ExecutionEventKind.Stderr, "\uFFFD"), (ExecutionEventKind.Status, SandboxStatus.ExecutionDone)], tail.Select(e => (e.Kind, e.Data)));
        Assert.True(done.Finished);
    }

    [Fact]
    public void Acknowledged_events_leave_the_log_and_free_the_window()
    {
        var (log, running) = ExecutionLog.Begin(7, 40);
        Assert.Equal(41, running.Seq);
        var (a, out1) = log.WithOutput(false, "hello"u8);
        var (b, _) = a.WithOutput(false, "world"u8);
        Assert.Equal(10, b.UnackedBytes);
        var acked = b.Acked(out1!.Seq);
        Assert.Equal(5, acked.UnackedBytes);
        Assert.Equal(out1.Seq, acked.AckedUpTo);
        Assert.Same(acked, acked.Acked(out1.Seq - 5));   // an old acknowledgement changes nothing
    }

    [Fact]
    public void A_replay_starts_with_running_even_when_the_client_already_acknowledged_it()
    {
        var (log, running) = ExecutionLog.Begin(1, 0);
        Assert.Equal([running], log.Replay());
        var (a, chunk) = log.WithOutput(false, "x"u8);
        var replay = a.Acked(running.Seq).Replay();
        Assert.Equal([SandboxStatus.ExecutionRunning, "x"], replay.Select(e => e.Data));
        Assert.Equal(running.Seq, replay[0].Seq);   // an acknowledged number: acknowledging it again changes nothing
        Assert.Equal(chunk, replay[1]);
    }

    [Fact]
    public void A_log_carried_over_a_checkpoint_resumes_with_the_same_unacknowledged_events_and_numbers()
    {
        var (log, _) = ExecutionLog.Begin(3, 10);
        var (a, _) = log.WithOutput(false, "abc"u8);
        var (killed, _) = a.WithStatus(SandboxStatus.ExecutionForceKilled);
        var resumed = ExecutionLog.Resume(killed.CarryOver(nextExecId: 3, lastExecKilled: true));
        Assert.Equal(killed.Unacked, resumed.Unacked);
        Assert.Equal((killed.LastSeq, 3L, true), (resumed.LastSeq, resumed.UnackedBytes, resumed.Killed));
        Assert.Equal(killed.Unacked, resumed.NotEmitted());
    }
}
