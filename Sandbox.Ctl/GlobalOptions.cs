using System.CommandLine;
using System.Text.Json;

namespace Sandbox.Ctl;

/// <summary>Options every command takes, and how a command runs: one admin client, errors as messages.</summary>
public static class GlobalOptions
{
    public const string DefaultNode = "http://127.0.0.1:9110";

    public static readonly Option<string?> Node = new("--node")
    {
        Description = $"admin API of the node to talk to (default: SANDBOXCTL_NODE, else {DefaultNode})",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "the node's SANDBOX_ADMIN_TOKEN (default: SANDBOXCTL_TOKEN)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "print the API's JSON instead of tables (for scripts)",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Node);
        root.Options.Add(Token);
        root.Options.Add(Json);
    }

    /// <summary>Runs <paramref name="body"/> with a client for the chosen node; a <see cref="CtlException"/>
    /// becomes its message on stderr and its exit code.</summary>
    public static void Run(this Command command, Func<AdminClient, ParseResult, CancellationToken, Task> body, TimeSpan? timeout = null) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var node = parse.GetValue(Node) ?? (Environment.GetEnvironmentVariable("SANDBOXCTL_NODE") is { Length: > 0 } env ? env : DefaultNode);
                var token = parse.GetValue(Token) ?? (Environment.GetEnvironmentVariable("SANDBOXCTL_TOKEN") is { Length: > 0 } t ? t : null);
                using var client = new AdminClient(node, token, timeout ?? TimeSpan.FromSeconds(60));
                await body(client, parse, ct);
                return 0;
            }
            catch (CtlException e)
            {
                Console.Error.WriteLine($"sandboxctl: {e.Message}");
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }
        });

    /// <summary>Prints the JSON as is with --json, otherwise lets <paramref name="human"/> format it.</summary>
    public static void Print(ParseResult parse, JsonElement result, Action<JsonElement> human)
    {
        if (parse.GetValue(Json)) Console.WriteLine(Table.Json(result));
        else human(result);
    }
}
