using System.CommandLine;

namespace Sandbox.Ctl.Commands;

/// <summary><c>cluster show | leave | down | down-unreachable | tail</c></summary>
public static class ClusterCommands
{
    public static Command Build()
    {
        var cluster = new Command("cluster", "cluster membership");

        var show = new Command("show", "members with their roles, status and reachability, the leader");
        show.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync("/admin/cluster", ct), r =>
        {
            Table.Write(Console.Out, ["ADDRESS", "ROLES", "STATUS", "REACHABLE", "LEADER", "SELF"],
                r.Items("members").Select(m => new[]
                {
                    m.Str("address"), m.Str("roles"), m.Str("status"), m.Str("reachable"),
                    m.Str("address") == r.Str("leader") ? "leader" : "", m.Str("isSelf") == "yes" ? "*" : "",
                }));
        }));
        cluster.Subcommands.Add(show);

        var address = new Argument<string?>("address") { Description = "member address, e.g. akka.tcp://sandbox@127.0.0.1:4053 (default: this node)", Arity = ArgumentArity.ZeroOrOne };
        foreach (var (verb, help) in new[] { ("leave", "the member leaves gracefully (its shards are handed off)"), ("down", "marks the member down (it is removed without a hand-off)") })
        {
            var cmd = new Command(verb, help);
            cmd.Arguments.Add(address);
            cmd.Run(async (c, p, ct) => GlobalOptions.Print(p,
                await c.PostAsync($"/admin/cluster/{verb}", new { address = p.GetValue(address) }, ct),
                r => Console.WriteLine($"{verb}: {r.Str("address")}")));
            cluster.Subcommands.Add(cmd);
        }

        var downUnreachable = new Command("down-unreachable", "marks every unreachable member down");
        downUnreachable.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.PostAsync("/admin/cluster/down-unreachable", null, ct), r =>
        {
            var addresses = r.Items("addresses").Select(a => a.GetString()).ToList();
            Console.WriteLine(addresses.Count == 0 ? "no member is unreachable" : "down: " + string.Join(", ", addresses));
        }));
        cluster.Subcommands.Add(downUnreachable);

        var tail = new Command("tail", "membership and reachability events as they happen (Ctrl-C to stop)");
        tail.Run(async (c, p, ct) =>
        {
            await foreach (var e in c.StreamAsync("/admin/cluster/events", ct))
            {
                if (p.GetValue(GlobalOptions.Json)) Console.WriteLine(e.GetRawText());
                else Console.WriteLine($"{e.Str("time")}  {e.Str("event"),-20} {e.Str("address")}  {e.Str("status")}  {e.Str("roles")}".TrimEnd());
            }
        }, Timeout.InfiniteTimeSpan);
        cluster.Subcommands.Add(tail);
        return cluster;
    }
}
