namespace Sandbox.Core.Sandboxes;

/// <summary>What a sandbox's idle timeout does (API-v1.md §2 <c>on_idle</c>).</summary>
public enum IdleAction { Kill, Pause }
