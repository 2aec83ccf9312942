using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;

namespace Sandbox.Actors.Network;

/// <summary>What the forwarder knows of the sandbox behind a source address.</summary>
internal interface IDnsClients
{
    /// <summary>The lease whose sandbox has this address, if any.</summary>
    NetworkLease? Find(IPAddress source);
    /// <summary>Lets the sandbox reach what its allowed lookup returned, before it hears the answer.</summary>
    Task LearnAsync(NetworkLease lease, NetworkPolicy answeredUnder, IReadOnlyList<(IPAddress Address, TimeSpan Ttl)> answers);
}

/// <summary>
/// The node's DNS forwarder for its sandboxes (UDP and TCP, on the gateway address; nftables sends
/// every sandbox packet to port 53, whatever its destination, here). Messages are parsed and
/// encoded by ARSoft.Tools.Net. A query is answered only when it comes from a sandbox of this node
/// (by its source address, which nftables has checked against the sandbox's veth), within that
/// sandbox's rate, and for a name its policy allows (<see cref="NetworkPolicy.MayResolve"/>);
/// otherwise REFUSED (over the rate: no answer). Under <c>allow_list</c> the IPv4 addresses of the
/// answer are put into the sandbox's allow set for their TTL (at least <see cref="MinimumTtl"/>)
/// before the answer leaves.
/// </summary>
internal sealed class DnsForwarder : IDisposable
{
    public static readonly TimeSpan MinimumTtl = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaximumTtl = TimeSpan.FromDays(1);

    private readonly DnsServer _server;
    private readonly DnsClient _upstream;
    private readonly IDnsClients _clients;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<NetworkLease, TokenBucket> _rates = new();
    private readonly NetworkOptions _options;
    public IPEndPoint Endpoint { get; }
    /// <summary>Queries dropped for exceeding a sandbox's rate, since start.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);
    private long _rateLimited;

    public DnsForwarder(IPEndPoint endpoint, NetworkOptions options, IDnsClients clients)
    {
        Endpoint = endpoint;
        _options = options;
        _clients = clients;
        var timeoutMs = (int)options.UpstreamTimeout.TotalMilliseconds;
        var port = options.Upstreams[0].Port;
        _upstream = new DnsClient(options.Upstreams.Select(u => u.Address),
            [new UdpClientTransport(port), new TcpClientTransport(port)], false, timeoutMs);
        _server = new DnsServer(new UdpServerTransport(endpoint, timeoutMs), new TcpServerTransport(endpoint, timeoutMs, 10_000));
        _server.ClientConnected += OnClientConnected;
        _server.QueryReceived += OnQueryReceived;
        _server.ExceptionThrown += (_, _) => Task.CompletedTask;   // a malformed query is the sender's problem
    }

    public void Start() => _server.Start();

    /// <summary>Forgets a released sandbox's rate state.</summary>
    public void Forget(NetworkLease lease) => _rates.TryRemove(lease, out _);

    private Task OnClientConnected(object sender, ClientConnectedEventArgs e)
    {
        var lease = _clients.Find(e.RemoteEndpoint.Address);
        if (lease is null) { e.RefuseConnect = true; return Task.CompletedTask; }
        var bucket = _rates.GetOrAdd(lease, _ => new TokenBucket(_options.DnsQueriesPerSecond, _options.DnsQueriesPerSecond * 2));
        if (!bucket.TryTake())
        {
            Interlocked.Increment(ref _rateLimited);
            e.RefuseConnect = true;
        }
        return Task.CompletedTask;
    }

    private async Task OnQueryReceived(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query) return;
        var response = query.CreateResponseInstance();
        e.Response = response;
        var lease = _clients.Find(e.RemoteEndpoint.Address);
        if (lease is null || lease.Released || query.Questions.Count != 1)
        {
            response.ReturnCode = lease is null ? ReturnCode.Refused : ReturnCode.FormatError;
            return;
        }
        var policy = lease.Policy;
        var question = query.Questions[0];
        if (!policy.MayResolve(question.Name.ToString()))
        {
            response.ReturnCode = ReturnCode.Refused;
            return;
        }
        DnsMessage? answer;
        try
        {
            answer = await _upstream.ResolveAsync(question.Name, question.RecordType, question.RecordClass,
                new DnsQueryOptions { IsRecursionDesired = true, IsEDnsEnabled = true });
        }
        catch (Exception e2) when (e2 is SocketException or IOException or OperationCanceledException)
        {
            answer = null;
        }
        if (answer is null)
        {
            response.ReturnCode = ReturnCode.ServerFailure;
            return;
        }
        response.ReturnCode = answer.ReturnCode;
        response.IsRecursionAllowed = true;
        response.AnswerRecords.AddRange(answer.AnswerRecords);
        response.AuthorityRecords.AddRange(answer.AuthorityRecords);
        if (policy.Egress == NetworkEgress.AllowList)
        {
            var learned = answer.AnswerRecords.OfType<ARecord>()
                .Select(a => (a.Address, Ttl: TimeSpan.FromSeconds(Math.Clamp(a.TimeToLive, MinimumTtl.TotalSeconds, MaximumTtl.TotalSeconds))))
                .ToList();
            if (learned.Count > 0)
            {
                try
                {
                    await _clients.LearnAsync(lease, policy, learned);
                }
                catch (NftablesException)
                {
                    // the sandbox was released meanwhile: an answer it cannot use
                    response.AnswerRecords.Clear();
                    response.ReturnCode = ReturnCode.ServerFailure;
                }
            }
        }
    }

    public void Dispose() => _server.Stop();

    /// <summary>A port free on <paramref name="address"/> for both UDP and TCP right now.</summary>
    public static int FreePort(IPAddress address)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(address, port));
                return port;
            }
            catch (SocketException) { /* taken for TCP: try another */ }
        }
        throw new InvalidOperationException($"no free port for the DNS forwarder on {address}");
    }
}
