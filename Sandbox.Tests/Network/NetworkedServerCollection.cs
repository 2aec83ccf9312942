namespace Sandbox.Tests.Network;

/// <summary>The specs against a whole networked server share one (a node namespace, a fake internet, one server).</summary>
[CollectionDefinition(Name)]
public sealed class NetworkedServerCollection : ICollectionFixture<NetworkedServerTestbed>
{
    public const string Name = "networked server";
}
