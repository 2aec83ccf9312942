using NLog;
using NLog.Targets;

namespace Sandbox.Host.Logging;

/// <summary>
/// NLog target that keeps every line it gets in a <see cref="LogRing"/>. A new instance per NLog
/// configuration (a configuration closes its targets when replaced); the rings themselves are per process.
/// </summary>
public sealed class LogRingTarget : TargetWithLayout
{
    private readonly LogRing _ring;

    public LogRingTarget(LogRing ring, string name)
    {
        _ring = ring;
        Name = name;
        Layout = "${longdate} ${level:uppercase=true:padding=-5} ${logger:shortName=true} ${message}${onexception:inner= ${exception:format=tostring}}";
    }

    protected override void Write(LogEventInfo logEvent) =>
        _ring.Add(logEvent.TimeStamp.ToUniversalTime(), logEvent.Level.Name, logEvent.LoggerName ?? "", RenderLogEvent(Layout, logEvent));
}
