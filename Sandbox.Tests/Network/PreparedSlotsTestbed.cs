namespace Sandbox.Tests.Network;

/// <summary>The testbed with a node that keeps slots ready, as a production node does.</summary>
public sealed class PreparedSlotsTestbed : NetworkTestbed
{
    public const int Slots = 3;
    protected override int PreparedSlots => Slots;
}

[CollectionDefinition(Name)]
public sealed class PreparedSlotsCollection : ICollectionFixture<PreparedSlotsTestbed>
{
    public const string Name = "network testbed with prepared slots";
}
