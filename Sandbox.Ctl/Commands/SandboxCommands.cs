using System.CommandLine;
using System.Text.Json;

namespace Sandbox.Ctl.Commands;

/// <summary><c>sandbox list | show | locate | checkpoint | kill</c></summary>
public static class SandboxCommands
{
    public static Command Build()
    {
        var sandbox = new Command("sandbox", "sandboxes across the cluster");

        var states = new Option<string[]>("--state")
        {
            Description = "only sandboxes in this state: starting, running, paused or ended (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        states.AcceptOnlyFromAmong("starting", "running", "paused", "ended");
        var labels = new Option<string[]>("--label") { Description = "only sandboxes with this label, as key=value (repeatable: all must match)" };
        labels.Validators.Add(r =>
        {
            foreach (var l in r.GetValueOrDefault<string[]>() ?? [])
                if (l.IndexOf('=') <= 0) r.AddError($"--label must be key=value, not '{l}'");
        });
        var limit = new Option<int>("--limit") { Description = "at most this many sandboxes from the catalog (1–10000)", DefaultValueFactory = _ => 1000 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000) r.AddError("--limit must be from 1 to 10000");
        });
        var list = new Command("list", "running, paused and recently ended sandboxes (from the catalog), with their host and why they ended");
        list.Options.Add(states);
        list.Options.Add(labels);
        list.Options.Add(limit);
        list.Run(async (c, p, ct) =>
        {
            var query = new List<string> { $"limit={p.GetValue(limit)}" };
            query.AddRange((p.GetValue(states) ?? []).Select(s => "state=" + Uri.EscapeDataString(s)));
            query.AddRange((p.GetValue(labels) ?? []).Select(l => "label=" + Uri.EscapeDataString(l)));
            var r = await c.GetAsync("/admin/sandboxes?" + string.Join('&', query), ct);
            if (r.Str("catalogUnavailable") is { } why)
                Console.Error.WriteLine($"sandboxctl: the catalog did not answer ({why}); only sandboxes with a container are listed");
            GlobalOptions.Print(p, r, x => Table.Write(Console.Out, ["SANDBOX", "STATE", "HOST", "LABELS", "CREATED", "ENDED", "REASON", "ATTACHED", "EXECUTING"],
                x.Items("sandboxes").Select(s => new[]
                {
                    s.Str("id"), s.Str("state"), s.Str("host"), Labels(s), Time(s.Str("createdAt")), Time(s.Str("endedAt")), s.Str("endedReason"),
                    s.Str("attached"), s.Str("executionRunning"),
                })));
        });
        sandbox.Subcommands.Add(list);

        var show = new Command("show", "one sandbox: its state, owner, labels, lifetime, why it ended, and its history");
        var id = IdArgument();
        show.Arguments.Add(id);
        show.Run(async (c, p, ct) => GlobalOptions.Print(p, await c.GetAsync($"/admin/sandboxes/{Uri.EscapeDataString(p.GetValue(id)!)}", ct), r =>
        {
            Fields(r, except: ["history", "labels"]);
            Console.WriteLine($"{"labels:",-20}{Labels(r)}");
            Console.WriteLine();
            Console.WriteLine("history:");
            Table.Write(Console.Out, ["AT", "EVENT", "DETAIL"], r.Items("history").Select(h => new[] { Time(h.Str("at")), h.Str("type"), h.Str("detail") }));
        }));
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
    public static void Fields(JsonElement r) => Fields(r, []);

    private static void Fields(JsonElement r, IReadOnlyList<string> except)
    {
        var props = r.EnumerateObject().Where(x => !except.Contains(x.Name)).ToList();
        var width = Math.Max(18, props.Count == 0 ? 0 : props.Max(x => x.Name.Length));
        foreach (var x in props) Console.WriteLine($"{(x.Name + ":").PadRight(width + 2)}{r.Str(x.Name)}");
    }

    /// <summary>Labels as k=v,k=v.</summary>
    private static string Labels(JsonElement row) =>
        row.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object
            ? string.Join(",", l.EnumerateObject().Select(x => $"{x.Name}={x.Value.GetString()}"))
            : "";

    /// <summary>An ISO time as local "yyyy-MM-dd HH:mm:ss" (empty stays empty).</summary>
    private static string? Time(string? iso) =>
        DateTimeOffset.TryParse(iso, out var t) ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss") : iso;
}
