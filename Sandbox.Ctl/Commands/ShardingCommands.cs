using System.CommandLine;

namespace Sandbox.Ctl.Commands;

/// <summary><c>sharding regions | stats | local</c></summary>
public static class ShardingCommands
{
    public static Command Build()
    {
        var sharding = new Command("sharding", "the \"sandbox\" shard regions");

        var regions = new Command("regions", "the nodes that host sandbox shards");
        regions.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync("/admin/sharding/regions", ct),
            r => Table.Write(Console.Out, ["REGION"], r.Items("regions").Select(x => new[] { x.GetString() }))));
        sharding.Subcommands.Add(regions);

        var stats = new Command("stats", "shards and sandboxes (entities) per region");
        stats.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync("/admin/sharding/stats", ct),
            r => Table.Write(Console.Out, ["REGION", "SHARDS", "ENTITIES", "FAILED SHARDS"],
                r.Items("regions").Select(x => new[] { x.Str("address"), x.Str("shards"), x.Str("entities"), x.Str("failedShards") }))));
        sharding.Subcommands.Add(stats);

        var local = new Command("local", "this node's shards and their sandbox ids");
        local.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync("/admin/sharding/local", ct),
            r => Table.Write(Console.Out, ["SHARD", "SANDBOXES"],
                r.GetProperty("shards").EnumerateObject().Select(s => new[] { s.Name, string.Join(",", s.Value.EnumerateArray().Select(x => x.GetString())) }))));
        sharding.Subcommands.Add(local);
        return sharding;
    }
}
