using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Sandbox.Actors.Hosts;
using Sandbox.Actors.Sandboxes;
using Sandbox.Core.Calls;
using Sandbox.Core.Sandboxes;
using static Sandbox.Core.Sandboxes.SandboxProtocol;

namespace Sandbox.Actors.Serialization;

/// <summary>
/// JSON with short, stable string manifests for everything that crosses the wire or is stored in the
/// journal. Stored events keep recovering after a rename as long as their manifest stays; an unknown
/// manifest throws <see cref="SerializationException"/>, which remoting treats as "drop this message"
/// during rolling upgrades.
/// </summary>
public sealed class SandboxSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 4711;

    /// <summary>Manifests are part of the storage format: never change or reuse one.</summary>
    public static class Manifests
    {
        public static readonly IReadOnlyDictionary<Type, string> ByType = new Dictionary<Type, string>
        {
            // persisted events (versioned)
            [typeof(SandboxEvents.Created)] = "ev-created.v1",
            [typeof(SandboxEvents.Started)] = "ev-started.v1",
            [typeof(SandboxEvents.DeletedV1)] = "ev-deleted.v1",
            [typeof(SandboxEvents.CheckpointTaken)] = "ev-checkpoint-taken.v1",
            [typeof(SandboxEvents.Restored)] = "ev-restored.v1",
            [typeof(SandboxEvents.ContainerLost)] = "ev-container-lost.v1",
            [typeof(SandboxEvents.Ended)] = "ev-ended.v1",
            [typeof(SandboxEvents.TtlChanged)] = "ev-ttl-changed.v1",
            [typeof(SandboxEvents.Forked)] = "ev-forked.v1",
            [typeof(SandboxEvents.NetworkPolicyChanged)] = "ev-network-policy-changed.v1",
            [typeof(ExecutionCarryOver)] = "execution-carry-over.v1",
            // commands
            [typeof(CreateSandbox)] = "create",
            [typeof(AttachSandbox)] = "attach",
            [typeof(DetachSession)] = "detach",
            [typeof(ExecuteCode)] = "exec",
            [typeof(WriteStdin)] = "stdin",
            [typeof(KillProcess)] = "kill-process",
            [typeof(KillSandbox)] = "kill-sandbox",
            [typeof(Reconnect)] = "reconnect",
            [typeof(CheckpointSandbox)] = "checkpoint",
            [typeof(SnapshotFilesystem)] = "snapshot",
            [typeof(OutputAck)] = "ack",
            [typeof(AdminCommand)] = "admin",
            [typeof(AdminResult)] = "admin-result",
            [typeof(GetSandboxInfo)] = "get-info",
            [typeof(SandboxInfo)] = "info",
            [typeof(StopSandbox)] = "stop",
            [typeof(MakeRoom)] = "make-room",
            // API v1
            [typeof(DescribeSandbox)] = "describe",
            [typeof(DeleteSandbox)] = "delete",
            [typeof(PauseSandbox)] = "pause",
            [typeof(ResumeSandbox)] = "resume",
            [typeof(SetSandboxTtl)] = "set-ttl",
            [typeof(SetSandboxNetwork)] = "set-network",
            [typeof(GetSandboxHistory)] = "get-history",
            [typeof(ForkSandbox)] = "fork",
            [typeof(ForkImage)] = "fork-image",
            [typeof(ExpireIfDue)] = "expire-if-due",
            [typeof(PurgeIfEnded)] = "purge-if-ended",
            [typeof(SandboxDescription)] = "description",
            [typeof(SandboxSummary)] = "summary",
            [typeof(SandboxHistory)] = "history",
            [typeof(ApiRefused)] = "api-refused",
            // API v1 calls into a running sandbox, and their answers
            [typeof(SandboxCalls.WriteFileChunk)] = "call-write-file-chunk",
            [typeof(SandboxCalls.ReadFileChunk)] = "call-read-file-chunk",
            [typeof(SandboxCalls.EndTransfer)] = "call-end-transfer",
            [typeof(SandboxCalls.ListFiles)] = "call-list-files",
            [typeof(SandboxCalls.StatFile)] = "call-stat-file",
            [typeof(SandboxCalls.MakeDirectory)] = "call-mkdir",
            [typeof(SandboxCalls.DeleteFile)] = "call-delete-file",
            [typeof(SandboxCalls.PollWatch)] = "call-poll-watch",
            [typeof(SandboxCalls.StartProcess)] = "call-start-process",
            [typeof(SandboxCalls.ListProcesses)] = "call-list-processes",
            [typeof(SandboxCalls.GetProcess)] = "call-get-process",
            [typeof(SandboxCalls.ReadOutput)] = "call-read-output",
            [typeof(SandboxCalls.WriteStdin)] = "call-write-stdin",
            [typeof(SandboxCalls.SignalProcess)] = "call-signal",
            [typeof(SandboxCalls.ResizeTerminal)] = "call-resize",
            [typeof(CallReplies.Done)] = "reply-done",
            [typeof(CallReplies.ChunkTaken)] = "reply-chunk-taken",
            [typeof(CallReplies.File)] = "reply-file",
            [typeof(CallReplies.Files)] = "reply-files",
            [typeof(CallReplies.FileChunk)] = "reply-file-chunk",
            [typeof(CallReplies.Changes)] = "reply-changes",
            [typeof(CallReplies.Process)] = "reply-process",
            [typeof(CallReplies.Processes)] = "reply-processes",
            [typeof(CallReplies.Output)] = "reply-output",
            // catalog
            [typeof(Catalog.CatalogMessages.Query)] = "catalog-query",
            [typeof(Catalog.CatalogMessages.Rows)] = "catalog-rows",
            [typeof(Catalog.CatalogMessages.Count)] = "catalog-count",
            [typeof(Catalog.CatalogMessages.Counted)] = "catalog-counted",
            [typeof(Catalog.CatalogMessages.Unavailable)] = "catalog-unavailable",
            // session events
            [typeof(SandboxAttached)] = "attached",
            [typeof(SandboxRejected)] = "rejected",
            [typeof(StatusEvent)] = "status",
            [typeof(ExecutionEvent)] = "exec-event",
            [typeof(CloseSession)] = "close",
            [typeof(SessionReplaced)] = "replaced",
            // node agent
            [typeof(ListContainers)] = "list-containers",
            [typeof(ContainerListing)] = "container-listing",
            [typeof(GetHostLoad)] = "get-host-load",
            [typeof(DrainHost)] = "drain-host",
            [typeof(HostLoad)] = "host-load",
            [typeof(HostRefusedCreate)] = "host-refused-create",
            // operations: a host's metrics history for the dashboard
            [typeof(Telemetry.GetMetricsHistory)] = "get-metrics-history",
            [typeof(Telemetry.MetricsHistoryReport)] = "metrics-history",
        };

        public static readonly IReadOnlyDictionary<string, Type> ByManifest = ByType.ToDictionary(kv => kv.Value, kv => kv.Key);
    }

    private readonly JsonSerializerOptions _json;

    public SandboxSerializer(ExtendedActorSystem system) : base(system)
    {
        _json = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            Converters = { new ActorRefConverter(system), new ClientRefConverter(system), new JsonStringEnumConverter() },
        };
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Manifests.ByType.TryGetValue(o.GetType(), out var m)
            ? m
            : throw new SerializationException($"{o.GetType()} has no manifest in {nameof(SandboxSerializer)}");

    public override byte[] ToBinary(object obj)
    {
        Manifest(obj);   // refuse unknown types early, with a clear message
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _json);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Manifests.ByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown manifest '{manifest}' for {nameof(SandboxSerializer)}");
        return JsonSerializer.Deserialize(bytes, type, _json)
               ?? throw new SerializationException($"empty payload for manifest '{manifest}'");
    }

    /// <summary>A client handle is an actor reference on the wire (the pure core never looks inside it).</summary>
    private sealed class ClientRefConverter(ExtendedActorSystem system) : JsonConverter<ClientRef>
    {
        public override ClientRef? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var path = reader.GetString();
            return new ClientRef(string.IsNullOrEmpty(path) ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path));
        }

        public override void Write(Utf8JsonWriter writer, ClientRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Handle is IActorRef a ? Akka.Serialization.Serialization.SerializedActorPath(a) : "");
    }

    /// <summary>Actor references travel as their serialized path and are resolved on the receiving node.</summary>
    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type t) => typeof(IActorRef).IsAssignableFrom(t);

        public override IActorRef? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var path = reader.GetString();
            return string.IsNullOrEmpty(path) ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path);
        }

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
