using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxEffect;
using static Sandbox.Core.Sandboxes.SandboxEvents;
using static Sandbox.Core.Sandboxes.SandboxProtocol;
using static Sandbox.Core.Sandboxes.SandboxSignals;
using static Sandbox.Tests.Core.SandboxStates;

namespace Sandbox.Tests.Core;

/// <summary>The decider's part of network policy (API-v1 §6): defaults at create, changes journaled and applied.</summary>
public class SandboxDeciderNetworkSpec
{
    private static readonly SandboxNetworkPolicy OnlyPypi = new("allow_list", ["pypi.org"], []);
    private static SandboxFacts Networked => Facts(networking: true);

    private static SandboxState RunningOnNetworkedNode(SandboxNetworkPolicy? policy = null) =>
        new[] { (object)new CreateSandbox(Id, TokenHash, Settings() with { Network = policy }, Session), new ContainerStarted("key-1", false) }
            .Aggregate(New, (s, i) => Step(s, i, Session, Networked).State);

    [Fact]
    public void A_create_without_a_policy_journals_allow_all_on_a_networked_node_and_none_elsewhere()
    {
        var (networked, _) = Step(New, new CreateSandbox(Id, TokenHash, Settings(), Session), Session, Networked);
        var (plain, _) = Step(New, new CreateSandbox(Id, TokenHash, Settings(), Session), Session);
        Assert.Equal(SandboxNetworkPolicy.AllowAll, networked.Settings.Network);
        Assert.Equal(SandboxNetworkPolicy.None, plain.Settings.Network);
    }

    [Fact]
    public void A_create_asking_for_egress_on_a_node_without_networking_is_refused_and_frees_its_slot()
    {
        var (s, d) = Step(New, new CreateSandbox(Id, TokenHash, Settings() with { Network = OnlyPypi }, Session), Session);
        Assert.False(d.Journals);
        Assert.Equal(SandboxStatus.CreationError, Assert.IsType<SandboxRejected>(d.Effects.OfType<Send>().Single().Message).Status);
        Assert.Contains(d.Effects, e => e is ReleaseSlot);
        Assert.Equal(SandboxLifecycle.New, s.Lifecycle);
    }

    [Fact]
    public void A_policy_put_on_a_running_sandbox_is_journaled_applied_and_then_answered()
    {
        var (s, d) = Step(RunningOnNetworkedNode(), new SetSandboxNetwork(Id, WithToken, OnlyPypi), Session, Networked);
        Assert.Contains(d.Events, e => e is NetworkPolicyChanged { Policy: var p } && p == OnlyPypi);
        var apply = d.Effects.ToList().FindIndex(e => e is ApplyNetworkPolicy { Policy: var p } && p == OnlyPypi);
        var answer = d.Effects.ToList().FindIndex(e => e is Send { Message: SandboxDescription });
        Assert.True(apply >= 0 && answer > apply, "the policy is applied before the answer");
        Assert.Equal(OnlyPypi, s.Settings.Network);
        Assert.Equal(("network_policy_changed", "allow_list allow [pypi.org]"), (s.History[^1].Type, s.History[^1].Detail));
        Assert.Equal(OnlyPypi, Assert.IsType<SandboxDescription>(d.Effects.OfType<Send>().Single().Message).Summary.Network);
    }

    [Fact]
    public void A_policy_put_on_a_paused_sandbox_is_journaled_for_its_restore_and_applies_nothing_now()
    {
        var (s, d) = Step(Paused, new SetSandboxNetwork(Id, WithToken, OnlyPypi), Session, Networked);
        Assert.Contains(d.Events, e => e is NetworkPolicyChanged);
        Assert.DoesNotContain(d.Effects, e => e is ApplyNetworkPolicy);
        Assert.Equal(OnlyPypi, Reincarnated(s).Settings.Network);   // in the journal: any node restores it with it
    }

    [Fact]
    public void A_policy_put_during_a_checkpoint_waits_until_it_is_over()
    {
        var checkpointing = Step(RunningOnNetworkedNode(), new CheckpointSandbox(Id), Session, Networked).State;
        var (_, d) = Step(checkpointing, new SetSandboxNetwork(Id, WithToken, OnlyPypi), Session, Networked);
        Assert.Equal([new Defer()], d.Effects);
        Assert.Empty(d.Events);
    }

    [Fact]
    public void A_policy_other_than_none_on_a_node_without_networking_is_a_conflict_and_none_is_accepted()
    {
        var (_, refused) = Step(Running, new SetSandboxNetwork(Id, WithToken, OnlyPypi), Session);
        Assert.Equal(ApiRefusal.Conflict, Assert.IsType<ApiRefused>(refused.Effects.OfType<Send>().Single().Message).Kind);
        Assert.False(refused.Journals);
        var (_, accepted) = Step(Running, new SetSandboxNetwork(Id, WithToken, SandboxNetworkPolicy.None), Session);
        Assert.IsType<SandboxDescription>(accepted.Effects.OfType<Send>().Single().Message);
    }

    [Fact]
    public void A_policy_put_on_an_ended_sandbox_is_a_conflict_and_one_of_another_caller_is_not_found()
    {
        var (_, ended) = Step(SandboxStates.Ended, new SetSandboxNetwork(Id, WithToken, OnlyPypi), Session, Networked);
        Assert.Equal(ApiRefusal.Conflict, Assert.IsType<ApiRefused>(ended.Effects.OfType<Send>().Single().Message).Kind);
        var stranger = new Access("another-key", null, KeysConfigured: true);
        var (_, other) = Step(RunningOnNetworkedNode(), new SetSandboxNetwork(Id, stranger, OnlyPypi), Session, Networked);
        Assert.Equal(ApiRefusal.NotFound, Assert.IsType<ApiRefused>(other.Effects.OfType<Send>().Single().Message).Kind);
        Assert.False(other.Journals);
    }
}
