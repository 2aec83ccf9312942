using System.CommandLine;

namespace Sandbox.Ctl.Commands;

/// <summary><c>node show | drain</c></summary>
public static class NodeCommands
{
    public static Command Build()
    {
        var node = new Command("node", "the node --node points at");

        var show = new Command("show", "this node's address, status and load");
        show.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync("/admin/node", ct), r =>
        {
            Console.WriteLine($"address:  {r.Str("address")}");
            Console.WriteLine($"status:   {r.Str("status")}");
            Console.WriteLine($"roles:    {r.Str("roles")}");
            if (r.TryGetProperty("load", out var l) && l.ValueKind == System.Text.Json.JsonValueKind.Object)
                Console.WriteLine($"sandboxes: {l.Str("sandboxes")} of {l.Str("maxSandboxes")} ({l.Str("starting")} starting){(l.Str("draining") == "yes" ? ", draining" : "")}");
            if (r.TryGetProperty("capacity", out var cap) && cap.ValueKind == System.Text.Json.JsonValueKind.Object)
                Console.WriteLine($"capacity: {cap.Str("maxSandboxes")}, bound by {cap.Str("boundBy")}: {cap.Str("explanation")}");
        }));
        node.Subcommands.Add(show);

        var timeout = new Option<int>("--timeout") { Description = "seconds to wait for the hand-off and the leave", DefaultValueFactory = _ => 120 };
        var drain = new Command("drain",
            "stop placing sandboxes on this node, checkpoint (or delete) the ones it runs, then leave the cluster; waits and reports what became of each sandbox");
        drain.Options.Add(timeout);
        drain.Run(async (c, p, ct) =>
        {
            var seconds = Math.Clamp(p.GetValue(timeout), 1, 600);
            var r = await c.PostAsync($"/admin/node/drain?timeout={seconds}", null, ct);
            GlobalOptions.Print(p, r, x =>
            {
                Console.WriteLine($"node {x.Str("node")}: {x.Str("status")} after {x.Str("seconds")} s");
                Table.Write(Console.Out, ["SANDBOX", "NOW", "ON"], x.Items("sandboxes").Select(s => new[] { s.Str("id"), s.Str("state"), s.Str("node") }));
            });
            if (r.Str("left") != "yes")
                throw new CtlException($"the node did not leave within {seconds} s (status {r.Str("status")}; still on it: {r.Str("remainingOnNode")})");
        }, TimeSpan.FromSeconds(660));
        node.Subcommands.Add(drain);
        return node;
    }
}
