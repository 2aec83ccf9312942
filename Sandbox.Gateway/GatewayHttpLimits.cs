using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Sandbox.Gateway;

/// <summary>
/// Kestrel's limits for a server that faces strangers: slow or oversized clients are cut by the web
/// server itself before they reach an endpoint or hold a connection for long. Kestrel's defaults are
/// kept where they are already tight (request line 8 KiB, headers 32 KiB, 100 headers).
/// </summary>
public static class GatewayHttpLimits
{
    public static void Apply(KestrelServerLimits limits, GatewayOptions o)
    {
        // slowloris: all request headers must arrive within this time (Kestrel's default is 30 s)
        limits.RequestHeadersTimeout = o.RequestHeadersTimeout;
        // a body that trickles in slower than 240 bytes/s after a 5 s grace is cut (stated, not left implicit)
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        // a client that stops reading a response it asked for is dropped too
        limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        // /execute answers 413 itself at its own limit; Kestrel's cap only backs that up
        limits.MaxRequestBodySize = Math.Max(o.MaxExecuteBodyBytes + 1024 * 1024, 1024 * 1024);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        limits.MaxRequestLineSize = 8 * 1024;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.MaxRequestHeaderCount = 100;
    }
}
