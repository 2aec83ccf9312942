namespace Sandbox.Tests.Network;

/// <summary>The test assembly's entry point: the test host ignores it; <c>dotnet Sandbox.Tests.dll
/// network-node-driver</c> runs the network specs' node under test inside their namespace.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args) =>
        args.Length > 0 && args[0] == NetworkNodeDriver.Verb ? await NetworkNodeDriver.RunAsync() : 0;
}
