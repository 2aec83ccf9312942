using Akka.Actor;

namespace Sandbox.Actors.Placement;

/// <summary>Makes <see cref="PlacementBoard"/> an extension of the actor system (one per node).</summary>
public sealed class PlacementBoardProvider : ExtensionIdProvider<PlacementBoard>
{
    public override PlacementBoard CreateExtension(ExtendedActorSystem system) => new();
}
