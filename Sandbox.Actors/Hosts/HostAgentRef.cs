using Akka.Actor;

namespace Sandbox.Actors.Hosts;

/// <summary>One sandbox host's agent and the member it runs on.</summary>
public sealed record HostAgentRef(Address Member, IActorRef Agent);
