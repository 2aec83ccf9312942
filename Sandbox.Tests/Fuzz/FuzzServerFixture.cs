using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Fuzz;

/// <summary>A node with small input limits, so that fuzz cases over them are cheap to send.</summary>
public sealed class FuzzServerFixture : ServerFixture
{
    public const int MaxMessageBytes = 64 * 1024;
    public const long MaxExecuteBodyBytes = 256 * 1024;
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(2);

    protected override SandboxHostSettings Customize(SandboxHostSettings s) => s with
    {
        Gateway = s.Gateway with
        {
            MaxMessageBytes = MaxMessageBytes,
            MaxExecuteBodyBytes = MaxExecuteBodyBytes,
            RequestHeadersTimeout = HeadersTimeout,
        },
    };
}
