namespace Sandbox.Gateway.Sessions;

/// <summary>Why a create was refused for capacity: no room anywhere, or hosts only busy starting others.</summary>
public enum CapacityShortage { Full, Busy }
