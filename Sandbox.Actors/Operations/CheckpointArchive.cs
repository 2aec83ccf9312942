namespace Sandbox.Actors.Operations;

/// <summary>
/// How a checkpoint is laid out in its store: one tar per checkpoint, holding the memory image
/// (<c>image/</c>, written by `runsc checkpoint`) and the writable layer (<c>upper/</c>), under
/// <c>sandbox_checkpoints/&lt;sandbox id&gt;/ckpt_&lt;unix ns&gt;.tar</c> (the reference's folder, grouped by sandbox).
/// </summary>
public static class CheckpointArchive
{
    /// <summary>The bundle entries an archive holds, relative to the bundle directory.</summary>
    public static readonly string[] Entries = ["image", "upper"];

    public static string KeyFor(string sandboxId, DateTimeOffset at) =>
        $"sandbox_checkpoints/{sandboxId}/ckpt_{at.ToUnixTimeMilliseconds() * 1_000_000}.tar";
}
