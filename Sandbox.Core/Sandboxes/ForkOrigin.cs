namespace Sandbox.Core.Sandboxes;

/// <summary>A fork starts from <paramref name="Image"/>, the source's memory and files at the moment
/// of the fork (one image serves every fork of that moment, so no fork deletes it).</summary>
public sealed record ForkOrigin(string SourceId, CheckpointRef Image);
