using Sandbox.Core.Sandboxes;

namespace Sandbox.Actors.Catalog;

/// <summary>What a host agent answers about the catalog (any host: they share the database).</summary>
public static class CatalogMessages
{
    public sealed record Query(CatalogQuery What) : ISandboxWireMessage;

    public sealed record Rows(IReadOnlyList<SandboxSummary> Summaries) : ISandboxWireMessage;

    public sealed record Count(string Owner, DateTimeOffset CreatedSince) : ISandboxWireMessage;

    public sealed record Counted(int Held, int CreatedSince) : ISandboxWireMessage;

    /// <summary>The catalog could not answer (the database is down): the caller says so instead of guessing.</summary>
    public sealed record Unavailable(string Reason) : ISandboxWireMessage;
}
