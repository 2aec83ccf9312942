namespace Sandbox.Gateway.Api;

/// <summary>A stream (output, download, watch) that cannot go on after it began: the transport cuts
/// the connection, so the client sees a broken stream and resumes, never an end that looks complete.</summary>
public sealed class ApiStreamException(ApiError error) : Exception(error.Detail)
{
    public ApiError Error { get; } = error;
}
