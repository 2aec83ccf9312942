using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Sandbox.Actors.Runsc;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Sandboxes;
using Sandbox.Actors.Serialization;
using Sandbox.Tests.Support;
using Xunit.Abstractions;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Tests;

/// <summary>The sandbox actor on its own (no cluster, in-memory journal), driven by TestKit probes.</summary>
public class SandboxActorSpec : TestKit
{
    private static readonly Config TestConfig = ConfigurationFactory.ParseString($$"""
        akka.actor.serializers.sandbox = "{{typeof(SandboxSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{typeof(ISandboxWireMessage).AssemblyQualifiedName}}" = sandbox }
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sandbox-actor-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly SandboxHostContext _host;

    public SandboxActorSpec(ITestOutputHelper output) : base(TestConfig, "sandbox-actor-spec", output)
    {
        var runsc = new RunscOptions { RootDirBase = Path.Combine(_dir, "state"), BundleDirBase = Path.Combine(_dir, "bundles"), RootfsPath = ServerFixture.RootfsPath };
        Directory.CreateDirectory(runsc.RootDirBase);
        Directory.CreateDirectory(runsc.BundleDirBase);
        _host = new SandboxHostContext(new RunscCli(runsc), new SandboxHostOptions(), "test-node", new ContainerRegistry(Path.Combine(_dir, "data")));
    }

    [Fact]
    public void A_sandbox_runs_code_and_on_kill_removes_its_container_persists_and_asks_to_passivate()
    {
        var id = SandboxIdentity.NewSandboxId();
        var parent = CreateTestProbe();
        var session = CreateTestProbe();
        var sandbox = parent.ChildActorOf(SandboxActor.PropsFor(id, _host));

        sandbox.Tell(new CreateSandbox(id, SandboxIdentity.HashToken("t"), SandboxSettings.Default, new ClientRef(session.Ref)));
        session.ExpectMsg<SandboxAttached>(a => a.SandboxId == id, TimeSpan.FromSeconds(30));
        Assert.Equal([id], _host.Registry.List());
        Assert.True(Directory.Exists(_host.Runsc.Options.BundleDirFor(id)));

        sandbox.Tell(new ExecuteCode(id, "bash", "echo hi", CloseStdin: true), session.Ref);
        session.ExpectMsg<ExecutionEvent>(e => e.Kind == ExecutionEventKind.Status && e.Data == SandboxStatus.ExecutionRunning, TimeSpan.FromSeconds(10));
        session.ExpectMsg<ExecutionEvent>(e => e.Kind == ExecutionEventKind.Stdout && e.Data == "hi\n", TimeSpan.FromSeconds(10));
        session.ExpectMsg<ExecutionEvent>(e => e.Kind == ExecutionEventKind.Status && e.Data == SandboxStatus.ExecutionDone, TimeSpan.FromSeconds(10));

        sandbox.Tell(new GetSandboxInfo(id), session.Ref);
        session.ExpectMsg<SandboxInfo>(i => i.State == "running" && i.Attached && i.Node == "test-node", TimeSpan.FromSeconds(10));

        sandbox.Tell(new KillSandbox(id), session.Ref);
        foreach (var s in new[] { SandboxStatus.Killing, SandboxStatus.Deleting, SandboxStatus.Deleted, SandboxStatus.Killed })
            session.ExpectMsg<StatusEvent>(e => e.Status == s, TimeSpan.FromSeconds(15));
        session.ExpectMsg<CloseSession>(c => c.Code == CloseCodes.Normal, TimeSpan.FromSeconds(10));
        parent.ExpectMsg<Passivate>(TimeSpan.FromSeconds(20));
        Assert.False(Directory.Exists(_host.Runsc.Options.BundleDirFor(id)));
        Assert.False(Directory.Exists(_host.Runsc.Options.RootDirFor(id)));
        Assert.Empty(_host.Registry.List());
    }

    [Fact]
    public void An_unknown_sandbox_answers_not_found_and_passivates()
    {
        var id = SandboxIdentity.NewSandboxId();
        var parent = CreateTestProbe();
        var session = CreateTestProbe();
        var sandbox = parent.ChildActorOf(SandboxActor.PropsFor(id, _host));
        sandbox.Tell(new AttachSandbox(id, SandboxIdentity.HashToken("t"), new ClientRef(session.Ref)));
        session.ExpectMsg<SandboxRejected>(r => r.Status == SandboxStatus.NotFound && r.CloseCode == CloseCodes.InternalError, TimeSpan.FromSeconds(10));
        parent.ExpectMsg<Passivate>(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void A_container_killed_from_outside_is_noticed_and_the_client_told()
    {
        var id = SandboxIdentity.NewSandboxId();
        var parent = CreateTestProbe();
        var session = CreateTestProbe();
        var sandbox = parent.ChildActorOf(SandboxActor.PropsFor(id, _host));
        sandbox.Tell(new CreateSandbox(id, SandboxIdentity.HashToken("t"), SandboxSettings.Default, new ClientRef(session.Ref)));
        session.ExpectMsg<SandboxAttached>(TimeSpan.FromSeconds(30));

        var r = _host.Runsc.RunAsync(id, TimeSpan.FromSeconds(10), CancellationToken.None, "kill", id, "KILL").GetAwaiter().GetResult();
        Assert.True(r.Ok, r.Reason);
        session.ExpectMsg<StatusEvent>(e => e.Status == SandboxStatus.Error && e.Error!.Contains("stopped unexpectedly"), TimeSpan.FromSeconds(15));
        session.ExpectMsg<StatusEvent>(e => e.Status == SandboxStatus.Deleted, TimeSpan.FromSeconds(15));
        session.ExpectMsg<CloseSession>(c => c.Code == CloseCodes.ApplicationError, TimeSpan.FromSeconds(10));
        parent.ExpectMsg<Passivate>(TimeSpan.FromSeconds(20));
        Assert.False(Directory.Exists(_host.Runsc.Options.BundleDirFor(id)));
    }

    [Fact]
    public void Every_wire_message_round_trips_through_the_string_manifest_serializer()
    {
        var serializer = (SandboxSerializer)Sys.Serialization.FindSerializerForType(typeof(ISandboxWireMessage));
        var probe = CreateTestProbe();
        object[] samples =
        [
            new SandboxEvents.Created("sandbox-1", "ab", SandboxSettings.Default with { FilesystemSnapshotName = "snap" }, DateTimeOffset.FromUnixTimeSeconds(1)),
            new SandboxEvents.Started("node", DateTimeOffset.FromUnixTimeSeconds(2)),
            new SandboxEvents.Ended(EndedReason.Killed, "killed", DateTimeOffset.FromUnixTimeSeconds(3)),
            new ExecuteCode("sandbox-1", "python", "print('é')", false),
            new ExecutionEvent(7, ExecutionEventKind.Stderr, "x\n"),
            new StatusEvent(SandboxStatus.ExecutionError, "busy"),
            new SandboxRejected(SandboxStatus.NotFound, null, 1011),
            new OutputAck("sandbox-1", 9),
        ];
        foreach (var m in samples)
        {
            var manifest = serializer.Manifest(m);
            Assert.Equal(m, serializer.FromBinary(serializer.ToBinary(m), manifest));
        }
        var create = new CreateSandbox("sandbox-1", "ab", SandboxSettings.Default, new ClientRef(probe.Ref));
        var back = (CreateSandbox)serializer.FromBinary(serializer.ToBinary(create), serializer.Manifest(create));
        Assert.Equal(probe.Ref.Path, ((IActorRef)back.Session.Handle).Path);
        // stored events keep their manifests: changing one would orphan every journal written so far
        Assert.Equal("ev-created.v1", serializer.Manifest(samples[0]));
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        var left = Directory.Exists(_dir) ? Directory.GetDirectories(Path.Combine(_dir, "bundles")) : [];
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        Assert.Empty(left);
    }
}
