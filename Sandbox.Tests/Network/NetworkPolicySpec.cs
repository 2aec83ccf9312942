using Sandbox.Actors.Network;

namespace Sandbox.Tests.Network;

public sealed class NetworkPolicySpec
{
    private static NetworkPolicyException Refused(string? egress, string?[]? allow = null, string?[]? deny = null) =>
        Assert.Throws<NetworkPolicyException>(() => NetworkPolicy.Parse(egress, allow, deny));

    [Fact]
    public void Entries_are_normalised_and_duplicates_dropped()
    {
        var p = NetworkPolicy.Parse("allow_list", ["PyPI.org.", "203.0.113.5", "203.0.113.0/24", "pypi.org", "*.PythonHosted.org"], ["198.51.100.7/32"]);
        Assert.Equal(NetworkEgress.AllowList, p.Egress);
        Assert.Equal(["pypi.org", "203.0.113.5/32", "203.0.113.0/24", "*.pythonhosted.org"], p.Allow);
        Assert.Equal(["198.51.100.7/32"], p.Deny);
        Assert.Equal(2, p.AllowCidrs.Count);
        Assert.Equal(2, p.AllowNames.Count);
    }

    [Fact]
    public void An_unknown_egress_is_refused_naming_it()
    {
        var e = Refused("open");
        Assert.Equal(NetworkPolicyError.UnknownEgress, e.Error);
        Assert.Equal("open", e.Entry);
        Assert.Equal(NetworkPolicyError.UnknownEgress, Refused(null).Error);
        Assert.Equal(NetworkPolicyError.UnknownEgress, Refused("ALLOW_ALL").Error);
    }

    [Theory]
    [InlineData("203.0.113.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("2001:db8::/32")]
    [InlineData("300.1.2.3")]
    [InlineData("10.1")]
    [InlineData("exa mple.com")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("a.*.com")]
    [InlineData("*example.com")]
    [InlineData("-bad.example.com")]
    [InlineData("bad-.example.com")]
    [InlineData("a..example.com")]
    [InlineData("")]
    [InlineData(null)]
    public void A_malformed_entry_is_refused_naming_it(string? entry)
    {
        var allow = Refused("allow_list", [entry]);
        Assert.Equal(NetworkPolicyError.MalformedEntry, allow.Error);
        Assert.Equal("allow", allow.Field);
        Assert.Equal(entry, allow.Entry);
        var deny = Refused("allow_all", deny: [entry]);
        Assert.Equal("deny", deny.Field);
        Assert.Equal(entry, deny.Entry);
    }

    [Fact]
    public void Names_longer_than_dns_allows_are_refused()
    {
        Assert.Equal(NetworkPolicyError.MalformedEntry, Refused("allow_list", [new string('a', 64) + ".example.com"]).Error);
        Assert.Equal(NetworkPolicyError.MalformedEntry, Refused("allow_list", [string.Join('.', Enumerable.Repeat(new string('a', 60), 5))]).Error);
    }

    [Fact]
    public void More_than_256_entries_are_refused_naming_the_first_one_over()
    {
        var entries = Enumerable.Range(0, 257).Select(i => $"host{i}.example.com").ToArray();
        var e = Refused("allow_list", entries);
        Assert.Equal(NetworkPolicyError.TooManyEntries, e.Error);
        Assert.Equal("host256.example.com", e.Entry);
        Assert.Equal(256, NetworkPolicy.Parse("allow_list", entries[..256]).Allow.Count);
    }

    [Fact]
    public void Allow_entries_need_an_allow_list()
    {
        Assert.Equal(NetworkPolicyError.AllowWithoutAllowList, Refused("allow_all", ["pypi.org"]).Error);
        Assert.Equal(NetworkPolicyError.AllowWithoutAllowList, Refused("none", ["pypi.org"]).Error);
        Assert.Equal(NetworkEgress.None, NetworkPolicy.Parse("none", [], ["pypi.org"]).Egress);
    }

    [Fact]
    public void A_wildcard_matches_one_or_more_labels_in_front_of_its_suffix_only()
    {
        var p = NetworkPolicy.Parse("allow_list", ["*.pythonhosted.org", "pypi.org"]);
        Assert.True(p.MayResolve("files.pythonhosted.org"));
        Assert.True(p.MayResolve("a.b.pythonhosted.org."));
        Assert.True(p.MayResolve("FILES.PythonHosted.org"));
        Assert.False(p.MayResolve("pythonhosted.org"));
        Assert.False(p.MayResolve("evilpythonhosted.org"));
        Assert.True(p.MayResolve("pypi.org"));
        Assert.False(p.MayResolve("www.pypi.org"));
    }

    [Fact]
    public void A_denied_name_is_never_resolved_and_none_resolves_nothing()
    {
        var p = NetworkPolicy.Parse("allow_list", ["*.example.com"], ["secret.example.com"]);
        Assert.True(p.MayResolve("www.example.com"));
        Assert.False(p.MayResolve("secret.example.com"));
        Assert.False(NetworkPolicy.Parse("allow_all", deny: ["*.tracker.test"]).MayResolve("a.tracker.test"));
        Assert.True(NetworkPolicy.AllowAll.MayResolve("anything.test"));
        Assert.False(NetworkPolicy.None.MayResolve("anything.test"));
    }

    [Fact]
    public void Policies_with_the_same_entries_are_equal()
    {
        Assert.Equal(NetworkPolicy.Parse("allow_list", ["a.test", "203.0.113.0/24"]), NetworkPolicy.Parse("allow_list", ["A.test.", "203.0.113.0/24"]));
        Assert.NotEqual(NetworkPolicy.Parse("allow_list", ["a.test"]), NetworkPolicy.Parse("allow_list", ["b.test"]));
    }
}
