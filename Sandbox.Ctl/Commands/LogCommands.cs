using System.CommandLine;

namespace Sandbox.Ctl.Commands;

/// <summary><c>logs peek | tail</c>: the node's recent log lines, and new ones as they come.</summary>
public static class LogCommands
{
    public static Command Build()
    {
        var logs = new Command("logs", "this node's log");

        var lines = new Option<int>("--lines", "-n") { Description = "how many of the last lines", DefaultValueFactory = _ => 200 };
        var peek = new Command("peek", "the last lines (kept in memory by the node)");
        peek.Options.Add(lines);
        peek.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync($"/admin/logs?n={Math.Max(1, p.GetValue(lines))}", ct), r =>
        {
            foreach (var l in r.Items("lines")) Console.WriteLine(l.Str("text"));
        }));
        logs.Subcommands.Add(peek);

        var tail = new Command("tail", "new lines as they are written (Ctrl-C to stop)");
        tail.Run(async (c, p, ct) =>
        {
            await foreach (var l in c.StreamAsync("/admin/logs/stream", ct))
                Console.WriteLine(p.GetValue(GlobalOptions.Json) ? l.GetRawText() : l.Str("text"));
        }, Timeout.InfiniteTimeSpan);
        logs.Subcommands.Add(tail);
        return logs;
    }
}
