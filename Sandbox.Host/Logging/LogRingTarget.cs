using NLog;
using NLog.Targets;

namespace Sandbox.Host.Logging;

/// <summary>
/// NLog target that keeps every line it gets in <see cref="LogRing"/>. A new instance per NLog
/// configuration (a configuration closes its targets when replaced); the ring itself is per process.
/// </summary>
[Target("ring")]
public sealed class LogRingTarget : TargetWithLayout
{
    public LogRingTarget()
    {
        Name = "ring";
        Layout = "${longdate} ${level:uppercase=true:padding=-5} ${logger:shortName=true} ${message}${onexception:inner= ${exception:format=tostring}}";
    }

    protected override void Write(LogEventInfo logEvent) =>
        LogRing.Add(logEvent.TimeStamp.ToUniversalTime(), logEvent.Level.Name, logEvent.LoggerName ?? "", RenderLogEvent(Layout, logEvent));
}
