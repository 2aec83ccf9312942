using System.Collections.Immutable;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Sandbox.Actors.Sandboxes;
using Sandbox.Actors.Serialization;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Tests.Serialization;

public class SandboxSerializerSpec() : TestKit(ConfigurationFactory.ParseString($$"""
    akka.actor.serializers.sandbox = "{{typeof(SandboxSerializer).AssemblyQualifiedName}}"
    akka.actor.serialization-bindings { "{{typeof(ISandboxWireMessage).AssemblyQualifiedName}}" = sandbox }
    """))
{
    [Fact]
    public void Every_message_that_crosses_the_wire_or_goes_into_the_journal_has_a_manifest()
    {
        var missing = typeof(ISandboxWireMessage).Assembly.GetTypes().Concat(typeof(SandboxActor).Assembly.GetTypes())
            .Where(t => typeof(ISandboxWireMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Where(t => !SandboxSerializer.Manifests.ByType.ContainsKey(t))
            .Select(t => t.FullName);
        Assert.Empty(missing);
    }

    [Fact]
    public void Api_messages_and_new_events_round_trip_with_their_values()
    {
        var serializer = (SandboxSerializer)Sys.Serialization.FindSerializerForType(typeof(ISandboxWireMessage));
        var labels = ImmutableSortedDictionary<string, string>.Empty.Add("team", "evals");
        var summary = new SandboxSummary("sandbox-1", "paused", "key-1", labels, null, DateTimeOffset.FromUnixTimeSeconds(1), null,
            DateTimeOffset.FromUnixTimeSeconds(9), null, null, null, 300, IdleAction.Pause, true, 4);
        object[] samples =
        [
            new SandboxEvents.Created("sandbox-1", "ab", SandboxSettings.Default with { Labels = labels, TtlSeconds = 60, OnIdle = IdleAction.Pause },
                DateTimeOffset.FromUnixTimeSeconds(1)) { Owner = "key-1" },
            new SandboxEvents.TtlChanged(DateTimeOffset.FromUnixTimeSeconds(5), DateTimeOffset.FromUnixTimeSeconds(2)),
            new SandboxEvents.CheckpointTaken("k", 1, "s", 2, DateTimeOffset.FromUnixTimeSeconds(3)) { Kind = CheckpointKind.Pause },
            new SandboxEvents.Ended(EndedReason.TtlExpired, "its lifetime ended", DateTimeOffset.FromUnixTimeSeconds(4)),
            new DescribeSandbox("sandbox-1", new Access("key-1", null, true)),
            new GetSandboxHistory("sandbox-1", Access.Operator),
            new SandboxDescription(summary),
            new ApiRefused(ApiRefusal.Conflict, "ended"),
            new SandboxEvents.CheckpointTaken("k", 1, "s", 2, DateTimeOffset.FromUnixTimeSeconds(3)) { Kind = CheckpointKind.MakeRoom, NetworkTotal = new NetworkBytes(7, 9) },
            new MakeRoom("sandbox-1"),
            new SandboxEvents.Forked(2, DateTimeOffset.FromUnixTimeSeconds(6)) { ImageKey = "sandbox-1/fork_6.tar" },
        ];
        foreach (var m in samples)
            Assert.Equal(m, serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m)));
    }
}
