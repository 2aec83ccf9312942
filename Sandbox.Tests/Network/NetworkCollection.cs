namespace Sandbox.Tests.Network;

/// <summary>The network specs share one testbed (a node namespace, a fake internet, one driver).</summary>
[CollectionDefinition(Name)]
public sealed class NetworkCollection : ICollectionFixture<NetworkTestbed>
{
    public const string Name = "network testbed";
}
