namespace Sandbox.Tests.Network;

/// <summary>Python helpers run inside the sandboxes: each prints what a user would see (a body, an
/// address, or <c>ERR</c> with the exception's class), with short timeouts so a drop shows quickly.</summary>
public static class Probe
{
    public const string Code = """
        import socket, urllib.request, time
        def get(url, t=3):
            try:
                return urllib.request.urlopen(url, timeout=t).read().decode()
            except Exception as e:
                return 'ERR ' + type(e).__name__
        def conn(host, port, t=3):
            s = socket.socket()
            s.settimeout(t)
            try:
                s.connect((host, port))
                return 'open'
            except Exception as e:
                return 'ERR ' + type(e).__name__
            finally:
                s.close()
        def resolve(name):
            try:
                return socket.gethostbyname(name)
            except Exception as e:
                return 'ERR ' + type(e).__name__
        def my_address():
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.connect(('198.51.100.10', 9))   # a UDP connect sends nothing; it only picks the source
            return u.getsockname()[0]

        """;

    /// <summary>A background process that opens a keep-alive HTTP connection, makes one request,
    /// and makes a second on the same connection once <c>/tmp/go</c> exists; it logs to /tmp/held.log.
    /// Returns once the first request is answered.</summary>
    public static string HoldConnection(string address) => $$"""
        import subprocess, sys, os
        for f in ('/tmp/go', '/tmp/held.log'):
            if os.path.exists(f): os.remove(f)
        holder = '''
        import http.client, time, os
        c = http.client.HTTPConnection('{{address}}', 80, timeout=5)
        c.request('GET', '/')
        first = c.getresponse().read().decode()
        open('/tmp/held.log', 'w').write('first ' + first + chr(10))
        while not os.path.exists('/tmp/go'):
            time.sleep(0.05)
        try:
            c.request('GET', '/')
            second = 'second ' + c.getresponse().read().decode()
        except Exception as e:
            second = 'second ERR ' + type(e).__name__
        open('/tmp/held.log', 'a').write(second + chr(10))
        '''
        subprocess.Popen([sys.executable, '-c', holder], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(100):
            if os.path.exists('/tmp/held.log') and open('/tmp/held.log').read().startswith('first'): break
            time.sleep(0.05)

        """;

    /// <summary>Lets the holder make its second request and prints its log.</summary>
    public const string ReleaseHeldConnection = """

        open('/tmp/go', 'w').close()
        for i in range(200):
            log = open('/tmp/held.log').read()
            if 'second' in log: break
            time.sleep(0.05)
        print(log.strip())
        """;

    /// <summary>Opens <paramref name="count"/> connections at once and prints how many got through;
    /// a background process keeps them open for 20 s.</summary>
    public static string ConnectionFlood(string address, int count) => $$"""
        import subprocess, sys, os
        if os.path.exists('/tmp/flood.log'): os.remove('/tmp/flood.log')
        flood = '''
        import socket, select, time
        socks = []
        for i in range({{count}}):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(('{{address}}', 80))
            socks.append(s)
        pending, ok, deadline = set(socks), 0, time.time() + 4
        while pending and time.time() < deadline:
            _, w, _ = select.select([], list(pending), [], 0.5)
            for s in w:
                pending.discard(s)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0: ok += 1
        open('/tmp/flood.log', 'w').write(str(ok))
        time.sleep(20)
        '''
        subprocess.Popen([sys.executable, '-c', flood], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(200):
            if os.path.exists('/tmp/flood.log') and open('/tmp/flood.log').read(): break
            time.sleep(0.05)
        print(open('/tmp/flood.log').read())
        """;

    /// <summary>
    /// A background process that sends DNS queries for <paramref name="name"/> to the resolver as
    /// fast as it can for a few seconds and counts the answers (any datagram back). The query is a
    /// fixed byte string built here: the flood needs no answer parsed.
    /// </summary>
    public static string StartDnsFlood(string resolver, string name, int seconds) => $$"""
        import subprocess, sys, os
        if os.path.exists('/tmp/dnsflood.log'): os.remove('/tmp/dnsflood.log')
        flood = '''
        import socket, struct, time
        qname = b''.join(bytes([len(l)]) + l.encode() for l in '{{name}}'.split('.')) + bytes(1)
        query = struct.pack('>HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0) + qname + struct.pack('>HH', 1, 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        sent = got = 0
        end = time.time() + {{seconds}}
        while time.time() < end:
            try:
                s.sendto(query, ('{{resolver}}', 53)); sent += 1
            except BlockingIOError:
                pass
            try:
                while True:
                    s.recv(4096); got += 1
            except BlockingIOError:
                pass
        end = time.time() + 2
        while time.time() < end:
            try:
                s.recv(4096); got += 1
            except BlockingIOError:
                time.sleep(0.01)
        open('/tmp/dnsflood.log', 'w').write(str(sent) + ' ' + str(got))
        '''
        subprocess.Popen([sys.executable, '-c', flood], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        """;

    public const string DnsFloodResult = """
        import os
        for i in range(200):
            if os.path.exists('/tmp/dnsflood.log') and open('/tmp/dnsflood.log').read(): break
            time.sleep(0.05)
        print(open('/tmp/dnsflood.log').read())
        """;
}
