using System.CommandLine;

namespace Sandbox.Ctl.Commands;

/// <summary><c>audit peek | tail</c>: the node's audit log (one JSON line per security-relevant action), recent lines and new ones.</summary>
public static class AuditCommands
{
    public static Command Build()
    {
        var audit = new Command("audit", "this node's audit log: one JSON line per security-relevant action");

        var lines = new Option<int>("--lines", "-n") { Description = "how many of the last lines", DefaultValueFactory = _ => 50 };
        lines.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("-n must be at least 1");
        });
        var peek = new Command("peek", "the last audit lines (kept in memory by the node)");
        peek.Options.Add(lines);
        peek.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync($"/admin/audit?n={p.GetValue(lines)}", ct), r =>
        {
            foreach (var l in r.Items("lines")) Console.WriteLine(l.Str("text"));
        }));
        audit.Subcommands.Add(peek);

        var tail = new Command("tail", "audit lines as they are written (Ctrl-C to stop)");
        tail.Run(async (c, p, ct) =>
        {
            await foreach (var l in c.StreamAsync("/admin/audit/stream", ct))
                Console.WriteLine(p.GetValue(GlobalOptions.Json) ? l.GetRawText() : l.Str("text"));
        }, Timeout.InfiniteTimeSpan);
        audit.Subcommands.Add(tail);
        return audit;
    }
}
