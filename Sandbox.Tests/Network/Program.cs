namespace Sandbox.Tests.Network;

/// <summary>The test assembly's entry point: the test host ignores it; <c>dotnet Sandbox.Tests.dll
/// network-node-driver</c> runs the network specs' node under test inside their namespace, and
/// <c>network-server-node</c> a whole server (gateway and sandbox host) there.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args) => args.FirstOrDefault() switch
    {
        NetworkNodeDriver.Verb => await NetworkNodeDriver.RunAsync(),
        NetworkServerNode.Verb => await NetworkServerNode.RunAsync(),
        _ => 0,
    };
}
