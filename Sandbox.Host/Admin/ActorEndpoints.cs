using Akka.Actor;

namespace Sandbox.Host.Admin;

/// <summary>
/// <c>sandboxctl actors</c>: this node's actor hierarchy under a path, found with public APIs only:
/// an <see cref="Identify"/> to <c>path/*</c> answers once per child, level by level to the depth asked.
/// </summary>
public static class ActorEndpoints
{
    private const int MaxActors = 5000;
    /// <summary>How long to collect the children's answers of one level (they come from one node: fast).</summary>
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(400);

    public static void MapActorAdmin(this WebApplication app)
    {
        app.MapGet("/admin/actors", async (AdminContext a, HttpRequest r) =>
        {
            var root = r.Query.TryGetValue("path", out var p) && p.ToString().StartsWith('/') ? p.ToString().TrimEnd('/') : "/user";
            if (root.Length == 0) root = "/user";
            var depth = r.Query.TryGetValue("depth", out var d) && int.TryParse(d, out var dv) ? Math.Clamp(dv, 1, 10) : 3;
            var count = 0;
            var tree = new ActorNode(root, []);
            await Expand(a.System, tree, depth, () => ++count <= MaxActors);
            return Results.Json(new { node = a.Cluster.SelfAddress.ToString(), root = tree, truncated = count > MaxActors });
        });
    }

    private static async Task Expand(ActorSystem system, ActorNode node, int depth, Func<bool> budget)
    {
        if (depth == 0) return;
        var children = await ChildrenOf(system, node.Path);
        foreach (var child in children.Order(StringComparer.Ordinal))
        {
            if (!budget()) return;
            node.Children.Add(new ActorNode(child, []));
        }
        await Task.WhenAll(node.Children.Select(c => Expand(system, c, depth - 1, budget)));
    }

    private static async Task<IReadOnlyList<string>> ChildrenOf(ActorSystem system, string path)
    {
        var done = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new ChildCollector(path + "/*", Window, done)));
        return await done.Task;
    }

    public sealed record ActorNode(string Path, List<ActorNode> Children);

    /// <summary>Identifies every child of a path and hands over their paths after a short window.</summary>
    private sealed class ChildCollector : ReceiveActor
    {
        public ChildCollector(string selection, TimeSpan window, TaskCompletionSource<IReadOnlyList<string>> done)
        {
            var found = new List<string>();
            Context.ActorSelection(selection).Tell(new Identify(selection), Self);
            Context.System.Scheduler.ScheduleTellOnce(window, Self, ReceiveTimeout.Instance, Self);
            Receive<ActorIdentity>(i =>
            {
                if (i.Subject is { } s) found.Add(s.Path.ToStringWithoutAddress());
            });
            Receive<ReceiveTimeout>(_ =>
            {
                done.TrySetResult(found);
                Context.Stop(Self);
            });
        }
    }
}
