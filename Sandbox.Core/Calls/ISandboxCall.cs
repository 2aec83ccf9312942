using Sandbox.Core.Sandboxes;

namespace Sandbox.Core.Calls;

/// <summary>
/// An API v1 call that needs the sandbox's runner (files, processes, terminals). The sandbox checks
/// access and state like any API command; a running sandbox performs it at once and answers the
/// caller with one of <see cref="CallReplies"/> (or <see cref="SandboxProtocol.ApiRefused"/>), a
/// paused one is restored first. Every call is one bounded request and one bounded answer, so calls
/// work the same from any gateway of the cluster: byte streams travel as numbered chunks, live
/// streams as long polls.
/// </summary>
public interface ISandboxCall : IApiCommand;
