using System.CommandLine;
using Sandbox.Ctl;
using Sandbox.Ctl.Commands;

// sandboxctl: what Petabridge.Cmd's pbm is to an Akka.NET cluster, over our nodes' admin API.
var root = new RootCommand("sandboxctl: operate a gVisor sandbox cluster through a node's admin API (SANDBOX_ADMIN_PORT)");
GlobalOptions.AddTo(root);
root.Subcommands.Add(ClusterCommands.Build());
root.Subcommands.Add(ShardingCommands.Build());
root.Subcommands.Add(SandboxCommands.Build());
root.Subcommands.Add(NodeCommands.Build());
root.Subcommands.Add(LogCommands.Build());
root.Subcommands.Add(AuditCommands.Build());
root.Subcommands.Add(ActorCommands.Build());
var parsed = root.Parse(args);
// bad arguments: what is wrong on stderr and exit 2 (README), not the help text on stdout
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine($"sandboxctl: {e.Message}");
    Console.Error.WriteLine($"(see: {string.Join(' ', ["sandboxctl", .. CommandPath(parsed.CommandResult), "--help"])})");
    return 2;
}
return await parsed.InvokeAsync();

static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult? c)
{
    var names = new Stack<string>();
    for (var r = c; r?.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent) names.Push(r.Command.Name);
    return names;
}
