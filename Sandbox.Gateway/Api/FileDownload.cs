namespace Sandbox.Gateway.Api;

/// <summary>A file being read out of a sandbox: its entry, then its bytes as a stream the caller must dispose.
/// The bytes flow with backpressure from inside the sandbox; nothing holds the whole file.</summary>
public sealed record FileDownload(FileEntryView Entry, Stream Content);
