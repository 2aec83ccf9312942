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
}
