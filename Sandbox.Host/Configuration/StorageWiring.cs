using Sandbox.Actors.Storage;

namespace Sandbox.Host.Configuration;

/// <summary>Chooses the checkpoint and snapshot stores from the settings (PROTOCOL.md §13.1 variables).</summary>
public static class StorageWiring
{
    /// <summary>A mount path means files in that directory (how a bucket is used through Cloud Storage
    /// FUSE); a bucket alone means Google Cloud Storage through its API; neither means off.</summary>
    public static IObjectStore? Create(string? mountPath, string? bucket, string? gcsEndpoint) =>
        mountPath is not null ? new DirectoryObjectStore(mountPath)
        : bucket is not null ? new GcsObjectStore(bucket, prefix: null, endpoint: gcsEndpoint)
        : null;

    public static (IObjectStore? Checkpoints, IObjectStore? Snapshots) Stores(SandboxHostSettings s) =>
        (Create(s.CheckpointMountPath, s.CheckpointBucket, s.GcsEndpoint), Create(s.SnapshotMountPath, s.SnapshotBucket, s.GcsEndpoint));
}
