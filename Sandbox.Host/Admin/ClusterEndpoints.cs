using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace Sandbox.Host.Admin;

/// <summary><c>sandboxctl cluster …</c>: membership as this node sees it, leave, down, and a live event stream.</summary>
public static class ClusterEndpoints
{
    public static void MapClusterAdmin(this WebApplication app)
    {
        app.MapGet("/admin/cluster", (AdminContext a) => Results.Json(Describe(a.Cluster)));

        app.MapPost("/admin/cluster/leave", (AdminContext a, HttpRequest r) => WithMember(a, r, (c, m) =>
        {
            c.Leave(m.Address);
            return Results.Json(new { action = "leave", address = m.Address.ToString() });
        }));

        app.MapPost("/admin/cluster/down", (AdminContext a, HttpRequest r) => WithMember(a, r, (c, m) =>
        {
            c.Down(m.Address);
            return Results.Json(new { action = "down", address = m.Address.ToString() });
        }));

        app.MapPost("/admin/cluster/down-unreachable", (AdminContext a) =>
        {
            var unreachable = a.Cluster.State.Unreachable.Select(m => m.Address).ToList();
            foreach (var address in unreachable) a.Cluster.Down(address);
            return Results.Json(new { action = "down", addresses = unreachable.Select(u => u.ToString()) });
        });

        app.MapGet("/admin/cluster/events", StreamEventsAsync);
    }

    public static object Describe(Cluster c)
    {
        var state = c.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        return new
        {
            self = c.SelfAddress.ToString(),
            leader = state.Leader?.ToString(),
            roleLeaders = state.AllRoles.OrderBy(r => r).ToDictionary(r => r, r => state.RoleLeader(r)?.ToString()),
            members = state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(m => new
            {
                address = m.Address.ToString(),
                status = m.Status.ToString(),
                roles = m.Roles.Where(r => !r.StartsWith("dc-", StringComparison.Ordinal)).OrderBy(r => r).ToList(),
                reachable = !unreachable.Contains(m.Address),
                appVersion = m.AppVersion.ToString(),
                isSelf = m.Address == c.SelfAddress,
            }),
            unreachable = unreachable.Select(u => u.ToString()),
        };
    }

    /// <summary>The body (or ?address=) names a member; without one the command is about this node.</summary>
    private static async Task<IResult> WithMember(AdminContext a, HttpRequest r, Func<Cluster, Member, IResult> act)
    {
        string? text = r.Query.TryGetValue("address", out var q) ? q.ToString() : null;
        if (text is null && r.ContentLength > 0)
        {
            try
            {
                using var doc = await JsonDocument.ParseAsync(r.Body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("address", out var p)) text = p.GetString();
            }
            catch (JsonException e) { return Results.Json(new { detail = $"the body is not JSON: {e.Message}" }, statusCode: 400); }
        }
        var c = a.Cluster;
        Address address;
        if (string.IsNullOrWhiteSpace(text)) address = c.SelfAddress;
        else
        {
            try { address = Address.Parse(text.Trim()); }
            catch (Exception) { return Results.Json(new { detail = $"not an Akka address: '{text}' (expected akka.tcp://sandbox@host:port)" }, statusCode: 400); }
        }
        var member = c.State.Members.FirstOrDefault(m => m.Address == address);
        if (member is null) return Results.Json(new { detail = $"{address} is not a member of this cluster" }, statusCode: 404);
        return act(c, member);
    }

    /// <summary>Server-sent events: the current members first (as Up/Joining events), then every membership
    /// and reachability change until the client goes away.</summary>
    private static async Task StreamEventsAsync(HttpContext ctx, AdminContext a)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        var listener = a.System.ActorOf(Props.Create(() => new ClusterEventForwarder(channel.Writer)));
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        try
        {
            await ctx.Response.WriteAsync(": cluster events of " + a.Cluster.SelfAddress + "\n\n", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await foreach (var line in channel.Reader.ReadAllAsync(ctx.RequestAborted))
            {
                await ctx.Response.WriteAsync($"data: {line}\n\n", ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException) { /* the client left */ }
        finally
        {
            listener.Tell(PoisonPill.Instance);
        }
    }

    /// <summary>Subscribes to this node's cluster events and hands each over as one JSON line.</summary>
    private sealed class ClusterEventForwarder : ReceiveActor
    {
        public ClusterEventForwarder(ChannelWriter<string> writer)
        {
            var cluster = Cluster.Get(Context.System);
            cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));
            Receive<ClusterEvent.IMemberEvent>(e => writer.TryWrite(Json(e.GetType().Name, e.Member.Address, e.Member.Status.ToString(), e.Member.Roles)));
            Receive<ClusterEvent.UnreachableMember>(e => writer.TryWrite(Json("UnreachableMember", e.Member.Address, e.Member.Status.ToString(), e.Member.Roles)));
            Receive<ClusterEvent.ReachableMember>(e => writer.TryWrite(Json("ReachableMember", e.Member.Address, e.Member.Status.ToString(), e.Member.Roles)));
            Receive<ClusterEvent.LeaderChanged>(e => writer.TryWrite(JsonSerializer.Serialize(new { time = DateTimeOffset.UtcNow, @event = "LeaderChanged", address = e.Leader?.ToString() })));
            ReceiveAny(_ => { });
        }

        private static string Json(string kind, Address address, string status, IEnumerable<string> roles) =>
            JsonSerializer.Serialize(new { time = DateTimeOffset.UtcNow, @event = kind, address = address.ToString(), status, roles = roles.Where(r => !r.StartsWith("dc-", StringComparison.Ordinal)) });

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
