namespace Sandbox.Host.Configuration;

public static class NodeRoles
{
    public const string Gateway = "gateway";
    public const string SandboxHost = "sandbox-host";
}
