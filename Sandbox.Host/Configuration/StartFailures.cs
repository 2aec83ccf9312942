using System.Net.Sockets;
using Akka.Remote;
using Microsoft.AspNetCore.Connections;

namespace Sandbox.Host.Configuration;

/// <summary>
/// Failures at start that are the configuration's fault although every value parsed: a port another
/// process holds, an address that is not this machine's. Recognised by exception type and socket
/// error, and told as the variable to change, like any other configuration problem.
/// </summary>
public static class StartFailures
{
    public static ConfigurationProblem? Explain(Exception e, SandboxHostSettings s)
    {
        var all = Flatten(e).ToList();
        var remoting = all.OfType<RemoteTransportException>().Any();
        var socket = all.OfType<SocketException>().FirstOrDefault();
        if (remoting && socket?.SocketErrorCode == SocketError.AddressAlreadyInUse)
            return new("SANDBOX_AKKA_PORT", s.AkkaPort.ToString(), $"expected a free port: {s.AkkaHost}:{s.AkkaPort} is in use");
        if (remoting && socket?.SocketErrorCode == SocketError.AddressNotAvailable)
            return new("SANDBOX_AKKA_HOST", s.AkkaHost, "expected an address of this machine (remoting cannot bind to it)");
        if (all.OfType<AddressInUseException>().Any())
            return new("PORT", s.Port.ToString(), $"expected a free port: {s.Host}:{s.Port} is in use");
        if (!remoting && socket?.SocketErrorCode == SocketError.AddressNotAvailable)
            return new("HOST", s.Host, "expected an address of this machine (the gateway cannot listen on it)");
        return null;
    }

    private static IEnumerable<Exception> Flatten(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException many)
                foreach (var inner in many.InnerExceptions.SelectMany(Flatten)) yield return inner;
        }
    }
}
