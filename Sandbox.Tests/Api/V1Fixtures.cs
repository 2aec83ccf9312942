using Sandbox.Gateway;
using Sandbox.Host.Configuration;
using Sandbox.Tests.Support;

namespace Sandbox.Tests.Api;

/// <summary>A node that requires one of two API keys on /v1 (and everywhere else).</summary>
public class KeyedV1Fixture : ServerFixture
{
    public const string Key = "v1-key-one-5d2c";
    public const string OtherKey = "v1-key-two-a91e";

    protected override SandboxHostSettings Customize(SandboxHostSettings s) =>
        s with { Gateway = s.Gateway with { ApiKeys = new ApiKeys([Key, OtherKey]) } };
}

/// <summary>A keyed node whose keys may hold one sandbox each and create three a minute.</summary>
public sealed class QuotaV1Fixture : KeyedV1Fixture
{
    protected override SandboxHostSettings Customize(SandboxHostSettings s)
    {
        s = base.Customize(s);
        return s with { Gateway = s.Gateway with { KeyQuotas = new KeyQuotas(MaxSandboxes: 1, CreatesPerMinute: 3) } };
    }

    // a create under a quota is counted through a host agent, which the node has once it is Up
    protected override bool WaitsUntilReady => true;
}

/// <summary>A node whose sandboxes have a small disk (for the 413 naming the disk limit).</summary>
public sealed class SmallDiskFixture : ServerFixture
{
    protected override string? ExtraEnvironment(string name) => name == "SANDBOX_DISK_LIMIT_MB" ? "32" : null;
}

/// <summary>A node whose sandboxes' disk holds a 1 GiB file.</summary>
public sealed class LargeDiskFixture : ServerFixture
{
    protected override string? ExtraEnvironment(string name) => name == "SANDBOX_DISK_LIMIT_MB" ? "1400" : null;
}
