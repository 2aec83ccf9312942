namespace Sandbox.Actors.Hosts;

/// <summary>The cluster roles of a node (SANDBOX_ROLES).</summary>
public static class NodeRoles
{
    public const string Gateway = "gateway";
    public const string SandboxHost = "sandbox-host";
}
