namespace Sandbox.Gateway.Api.Rest.Wire;

/// <summary>PUT …/files: the file as written.</summary>
/// <param name="Path">Absolute path of the file inside the sandbox.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record FileWritten(string Path, long Size);
