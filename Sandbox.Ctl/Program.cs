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
return await root.Parse(args).InvokeAsync();
