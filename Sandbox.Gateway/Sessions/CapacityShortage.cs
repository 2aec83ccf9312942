namespace Sandbox.Gateway.Sessions;

/// <summary>Why a create was refused: no room anywhere, hosts only busy starting others, or its API key's quota.</summary>
public enum CapacityShortage { Full, Busy, Quota }
