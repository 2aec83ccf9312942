namespace Sandbox.Gateway;

/// <summary>
/// Per API key quotas (API-v1.md §1; 0 = none): the live and paused sandboxes a key may hold
/// (SANDBOX_API_KEY_MAX_SANDBOXES) and its creates per minute (SANDBOX_API_KEY_CREATES_PER_MINUTE),
/// counted cluster-wide in the sandbox catalog.
/// </summary>
public sealed record KeyQuotas(int MaxSandboxes = 0, int CreatesPerMinute = 0)
{
    public bool Any => MaxSandboxes > 0 || CreatesPerMinute > 0;

    /// <summary>Why one more create is over a quota (a sentence naming it, and when to retry), or null.</summary>
    public (string Reason, TimeSpan? RetryAfter)? Refusal(int held, int createdLastMinute)
    {
        if (MaxSandboxes > 0 && held >= MaxSandboxes)
            return ($"This API key holds {held} sandboxes, its quota of {MaxSandboxes} (SANDBOX_API_KEY_MAX_SANDBOXES): delete some before creating more.", null);
        if (CreatesPerMinute > 0 && createdLastMinute >= CreatesPerMinute)
            return ($"This API key created {createdLastMinute} sandboxes in the last minute, its quota of {CreatesPerMinute} per minute (SANDBOX_API_KEY_CREATES_PER_MINUTE): try again shortly.",
                TimeSpan.FromSeconds(60));
        return null;
    }
}
