using System.CommandLine;
using System.Text.Json;

namespace Sandbox.Ctl.Commands;

/// <summary><c>actors [--path /user] [--depth 3]</c>: the node's actor hierarchy as a tree.</summary>
public static class ActorCommands
{
    public static Command Build()
    {
        var path = new Option<string>("--path") { Description = "where to start (/user, /system, …)", DefaultValueFactory = _ => "/user" };
        var depth = new Option<int>("--depth") { Description = "levels below the path (1–10)", DefaultValueFactory = _ => 3 };
        var actors = new Command("actors", "the actor hierarchy of the node");
        actors.Options.Add(path);
        actors.Options.Add(depth);
        actors.Run(async (c, p, ct) =>
        {
            var query = $"/admin/actors?path={Uri.EscapeDataString(p.GetValue(path)!)}&depth={p.GetValue(depth)}";
            GlobalOptions.Print(p, await c.GetAsync(query, ct), r =>
            {
                Print(r.GetProperty("root"), 0);
                if (r.Str("truncated") == "yes") Console.WriteLine("… (truncated)");
            });
        });
        return actors;
    }

    private static void Print(JsonElement node, int level)
    {
        var path = node.Str("path") ?? "";
        Console.WriteLine(level == 0 ? path : new string(' ', level * 2) + path[(path.LastIndexOf('/') + 1)..]);
        foreach (var child in node.Items("children")) Print(child, level + 1);
    }
}
