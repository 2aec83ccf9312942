using System.Net;

namespace Sandbox.Host.Configuration;

/// <summary>
/// Rules between variables that each parse on their own but do not go together, checked after binding
/// (and again by <see cref="SandboxServer"/> for settings built in code). Each broken rule is a
/// <see cref="ConfigurationProblem"/> on the variable to change.
/// </summary>
public static class NodeConfigurationRules
{
    public static void Enforce(SandboxHostSettings s)
    {
        var problems = Check(s).ToList();
        if (problems.Count > 0) throw new InvalidConfigurationException(problems);
    }

    public static IEnumerable<ConfigurationProblem> Check(SandboxHostSettings s)
    {
        if (s.Persistence == PersistenceProvider.Postgres && s.ConnectionString is null)
            yield return new("SANDBOX_DB_CONNECTION", null, "required with SANDBOX_PERSISTENCE=postgres: an Npgsql connection string, e.g. Host=db;Username=sandbox;Database=sandbox");

        // the admin API can drain and down nodes: beyond loopback only with a token
        if (s.AdminPort != 0 && s.AdminToken is null && !IsLoopback(s.AdminHost))
            yield return new("SANDBOX_ADMIN_HOST", s.AdminHost,
                $"the admin API would listen on {s.AdminHost}:{s.AdminPort}, which is not a loopback address, without a token: " +
                "set SANDBOX_ADMIN_TOKEN, bind SANDBOX_ADMIN_HOST to 127.0.0.1, or turn the admin API off with SANDBOX_ADMIN_PORT=0");

        if (s.WarmPoolMax is { } poolMax && poolMax < s.WarmPoolSize)
            yield return new("SANDBOX_WARM_POOL_MAX", poolMax.ToString(), $"is below SANDBOX_WARM_POOL_SIZE ({s.WarmPoolSize}): the pool grows from its size, never below it");

        foreach (var p in TlsProblems(s)) yield return p;
        foreach (var p in NetworkProblems(s.Network)) yield return p;

        // seeds are reached with the scheme of this node's own transport; any other is never answered
        // (a transport adapter adds its name, akka.trttl.ssl.tcp, so only the ssl part is compared)
        var scheme = s.Tls.Enabled ? "akka.ssl.tcp" : "akka.tcp";
        if (s.SeedNodes.Any(a => a.Split("://")[0].EndsWith(".ssl.tcp", StringComparison.Ordinal) != s.Tls.Enabled))
            yield return new("SANDBOX_SEED_NODES", string.Join(",", s.SeedNodes),
                $"expected {scheme}:// addresses: remoting runs {(s.Tls.Enabled ? "with" : "without")} TLS (SANDBOX_TLS)");

        // TLS is SANDBOX_TLS's alone: HOCON that turned it off would do so silently
        if (s.ExtraHocon is not null)
        {
            var extra = Akka.Configuration.ConfigurationFactory.ParseString(s.ExtraHocon);
            if (extra.HasPath("akka.remote.dot-netty.tcp.enable-ssl") || extra.HasPath("akka.remote.dot-netty.tcp.ssl"))
                yield return new("SANDBOX_AKKA_HOCON", "(…)", "must not configure akka.remote.dot-netty.tcp.enable-ssl or .ssl: TLS is set by SANDBOX_TLS and SANDBOX_TLS_*");
        }
    }

    /// <summary>The node's resolvers when SANDBOX_NETWORK_DNS is unset (empty): its /etc/resolv.conf, minus the pool.</summary>
    public static IReadOnlyList<System.Net.IPEndPoint> HostNameservers(Sandbox.Actors.Network.NetworkOptions n) =>
        HostNameservers(n, File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : null);

    public static IReadOnlyList<System.Net.IPEndPoint> HostNameservers(Sandbox.Actors.Network.NetworkOptions n, string? resolvConf) =>
        Sandbox.Actors.Network.NetworkOptions.NameserversOf(resolvConf).Where(e => !n.Subnet.Contains(e.Address)).ToList();

    private static IEnumerable<ConfigurationProblem> NetworkProblems(Sandbox.Actors.Network.NetworkOptions n)
    {
        foreach (var c in n.AllowPrivate.Where(c => c.Overlaps(n.Subnet)))
            yield return new("SANDBOX_NETWORK_ALLOW_PRIVATE", c.ToString(), $"overlaps the sandbox pool {n.Subnet} (SANDBOX_NETWORK_SUBNET); sandboxes never reach each other");
        foreach (var e in n.Upstreams.Where(e => n.Subnet.Contains(e.Address)))
            yield return new("SANDBOX_NETWORK_DNS", e.ToString(), $"is inside the sandbox pool {n.Subnet}");
        if (n.Upstreams.Select(u => u.Port).Distinct().Count() > 1)
            yield return new("SANDBOX_NETWORK_DNS", string.Join(",", n.Upstreams), "every resolver must use the same port");
        if (n.Enabled && n.Upstreams.Count == 0 && HostNameservers(n).Count == 0)
            yield return new("SANDBOX_NETWORK_DNS", null, "no upstream resolver: set it (IPv4 addresses, comma-separated); the node's /etc/resolv.conf has no IPv4 nameserver");
    }

    private static IEnumerable<ConfigurationProblem> TlsProblems(SandboxHostSettings s)
    {
        var t = s.Tls;
        if (!t.Enabled)
        {
            var named = new[] { ("SANDBOX_TLS_CERT", t.CertificatePath), ("SANDBOX_TLS_KEY", t.KeyPath), ("SANDBOX_TLS_CA", t.AuthorityPath) }
                .Where(v => v.Item2 is not null).Select(v => v.Item1).ToList();
            if (named.Count > 0)
                return [new("SANDBOX_TLS", "false", $"but {string.Join(", ", named)} {(named.Count == 1 ? "is" : "are")} set: set SANDBOX_TLS=true, or unset them")];
            return [];
        }
        try
        {
            RemotingTlsMaterial.Load(t);
            return [];
        }
        catch (InvalidConfigurationException e)
        {
            return e.Problems;
        }
    }

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
