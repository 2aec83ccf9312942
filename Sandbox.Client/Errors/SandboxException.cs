namespace Sandbox.Client;

/// <summary>Base of every error this client raises for a failure the server reported or a broken connection.</summary>
public class SandboxException : Exception
{
    public SandboxException(string message, Exception? inner = null) : base(message, inner) { }
}
