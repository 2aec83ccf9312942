namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>GET …/files/list: the entries under a directory, to the depth asked for.</summary>
public sealed record FileList(IReadOnlyList<FileEntryView> Entries);
