using System.Diagnostics;
using System.Text.Json;

namespace Sandbox.Tests.Operations;

/// <summary>
/// The cluster of deploy/local (three hosts, two gateways, PostgreSQL) with an admin token, for
/// <see cref="OperationsSpec"/>. Its BASE_PORT is random in 16_000–16_690 (a cluster takes BASE_PORT
/// to BASE_PORT+204): other checkouts on this shared machine run their own copy of this spec, and a
/// fixed base (and so a fixed cluster directory) let one run's clean-up stop another's cluster.
/// </summary>
public sealed class OperationsClusterFixture : LocalClusterFixture
{
    public const string Token = "ops-spec-token-5f1d";
    public override int BasePort { get; } = 16_000 + Random.Shared.Next(0, 70) * 10;

    protected override void AddEnvironment(IDictionary<string, string?> env)
    {
        env["SANDBOX_ADMIN_TOKEN"] = Token;
        // the dashboard test waits for a sample that has seen its sandboxes: every 2 s rather than 10
        env["SANDBOX_AKKA_HOCON"] = "sandbox.metrics-history.interval = 2s";
    }

    public record Node(string Name, int Pid, int HttpPort, int AkkaPort, int AdminPort)
    {
        // deploy/local runs remoting with mutual TLS
        public string Address => $"akka.ssl.tcp://sandbox@127.0.0.1:{AkkaPort}";
        public string AdminUrl => $"http://127.0.0.1:{AdminPort}";
        public bool Alive
        {
            get
            {
                try { return !Process.GetProcessById(Pid).HasExited; }
                catch (ArgumentException) { return false; }
            }
        }
    }

    public IReadOnlyList<Node> Nodes => File.ReadAllLines(Path.Combine(Dir, "pids")).Select(l => l.Split(' '))
        .Select(f => new Node(f[0], int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]), int.Parse(f[4]))).ToList();

    public Node Named(string name) => Nodes.Single(n => n.Name == name);

    public static string RepoRoot => Sandboxctl.RepoRoot;

    /// <summary>Runs ./sandboxctl from the repository root: exit code, stdout, stderr.</summary>
    public static Task<(int Exit, string Out, string Err)> Ctl(string? token, params string[] args) => Sandboxctl.Run(token, args);

    /// <summary>sandboxctl --json with the token; fails the test with its stderr on a non-zero exit.</summary>
    public static Task<JsonElement> CtlJson(string node, params string[] args) => Sandboxctl.Json(node, Token, args);

    public static HttpClient Http(string? token = Token)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }
}
