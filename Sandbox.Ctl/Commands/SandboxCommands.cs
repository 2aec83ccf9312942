using System.CommandLine;
using System.Text.Json;

namespace Sandbox.Ctl.Commands;

/// <summary><c>sandbox list | show | locate | checkpoint | kill</c></summary>
public static class SandboxCommands
{
    public static Command Build()
    {
        var sandbox = new Command("sandbox", "sandboxes across the cluster");

        var list = new Command("list", "every sandbox with a container, per host");
        list.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync("/admin/sandboxes", ct),
            r => Table.Write(Console.Out, ["SANDBOX", "HOST", "STATE", "ATTACHED", "EXECUTING", "CREATED"],
                r.Items("sandboxes").Select(s => new[] { s.Str("id"), s.Str("host"), s.Str("state"), s.Str("attached"), s.Str("executionRunning"), s.Str("createdAt") }))));
        sandbox.Subcommands.Add(list);

        var show = new Command("show", "one sandbox's state");
        var id = IdArgument();
        show.Arguments.Add(id);
        show.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync($"/admin/sandboxes/{Uri.EscapeDataString(p.GetValue(id)!)}", ct), Fields));
        sandbox.Subcommands.Add(show);

        var locate = new Command("locate", "the node, shard and actor of a sandbox");
        locate.Arguments.Add(id);
        locate.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync($"/admin/sandboxes/{Uri.EscapeDataString(p.GetValue(id)!)}/location", ct), Fields));
        sandbox.Subcommands.Add(locate);

        var checkpoint = new Command("checkpoint", "checkpoint a running sandbox (it must have been created with enable_checkpoint); waits until stored");
        checkpoint.Arguments.Add(id);
        checkpoint.Run(async (c, p, ct) => GlobalOptions.Print(p,
            await c.PostAsync($"/admin/sandboxes/{Uri.EscapeDataString(p.GetValue(id)!)}/checkpoint", null, ct),
            r => Console.WriteLine($"{r.Str("id")}: {r.Str("message")}")), TimeSpan.FromSeconds(180));
        sandbox.Subcommands.Add(checkpoint);

        var kill = new Command("kill", "delete a sandbox (its client is told SANDBOX_DELETED)");
        kill.Arguments.Add(id);
        kill.Run(async (c, p, ct) => GlobalOptions.Print(p,
            await c.DeleteAsync($"/admin/sandboxes/{Uri.EscapeDataString(p.GetValue(id)!)}", ct),
            r => Console.WriteLine($"{r.Str("id")}: deleted")));
        sandbox.Subcommands.Add(kill);
        return sandbox;
    }

    private static Argument<string> IdArgument() => new("id") { Description = "sandbox id (sandbox-…)" };

    /// <summary>An object as "name: value" lines.</summary>
    public static void Fields(JsonElement r)
    {
        var props = r.EnumerateObject().ToList();
        var width = props.Count == 0 ? 0 : props.Max(x => x.Name.Length);
        foreach (var x in props) Console.WriteLine($"{(x.Name + ":").PadRight(width + 2)}{r.Str(x.Name)}");
    }
}
