using Sandbox.Actors.Network;
using Sandbox.Host.Configuration;

namespace Sandbox.Tests.Network;

public sealed class NetworkOptionsSpec
{
    private const string HostResolvConf = "# generated\nsearch example\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n";

    /// <summary>The node's one configuration, with resolvers given where the host's would be used.</summary>
    private static NetworkOptions From(params (string Name, string Value)[] vars)
    {
        var n = SandboxHostSettings.FromEnvironment(name => vars.FirstOrDefault(v => v.Name == name).Value
            ?? (name == "SANDBOX_NETWORK_DNS" ? string.Join(",", NodeConfigurationRules.HostNameservers(new NetworkOptions(), HostResolvConf)) : null)).Network;
        return n;
    }

    private static ConfigurationProblem Refused(params (string Name, string Value)[] vars) =>
        Assert.Throws<InvalidConfigurationException>(() => From(vars)).Problems.First();

    [Fact]
    public void Networking_is_off_with_policy_none_unless_the_reference_variable_says_false()
    {
        Assert.False(From().Enabled);
        Assert.Equal(NetworkPolicy.None, From().DefaultPolicy);
        Assert.False(From(("RUNSC_DISABLE_NETWORKING", "true")).Enabled);
        var on = From(("RUNSC_DISABLE_NETWORKING", "false"));
        Assert.True(on.Enabled);
        Assert.Equal(NetworkPolicy.AllowAll, on.DefaultPolicy);
        Assert.True(From(("RUNSC_DISABLE_NETWORKING", "0")).Enabled);
    }

    [Fact]
    public void A_node_without_networking_refuses_every_policy_but_none()
    {
        var off = From();
        off.EnsureSupported(NetworkPolicy.None);
        var e = Assert.Throws<NetworkPolicyException>(() => off.EnsureSupported(NetworkPolicy.AllowAll));
        Assert.Equal(NetworkPolicyError.NetworkingDisabled, e.Error);
        From(("RUNSC_DISABLE_NETWORKING", "false")).EnsureSupported(NetworkPolicy.AllowAll);
    }

    [Fact]
    public void The_defaults_are_the_host_resolvers_and_a_pool_whose_first_address_is_the_gateway()
    {
        var o = From(("RUNSC_DISABLE_NETWORKING", "false"));
        Assert.Equal(["192.0.2.53:53"], o.Upstreams.Select(u => u.ToString()));
        Assert.Equal("10.213.0.0/16", o.Subnet.ToString());
        Assert.Equal("10.213.0.1", o.Gateway.ToString());
        Assert.Empty(o.AllowPrivate);
    }

    [Fact]
    public void Resolvers_subnet_and_private_ranges_are_read()
    {
        var o = From(("RUNSC_DISABLE_NETWORKING", "false"), ("SANDBOX_NETWORK_DNS", "198.51.100.53:5353, 198.51.100.54:5353"),
            ("SANDBOX_NETWORK_SUBNET", "172.30.0.0/20"), ("SANDBOX_NETWORK_ALLOW_PRIVATE", "10.1.0.0/16,192.168.7.7"));
        Assert.Equal(["198.51.100.53:5353", "198.51.100.54:5353"], o.Upstreams.Select(u => u.ToString()));
        Assert.Equal("172.30.0.1", o.Gateway.ToString());
        Assert.Equal(["10.1.0.0/16", "192.168.7.7/32"], o.AllowPrivate.Select(c => c.ToString()));
    }

    [Theory]
    [InlineData("RUNSC_DISABLE_NETWORKING", "maybe")]
    [InlineData("SANDBOX_NETWORK_SUBNET", "10.213.0.0")]
    [InlineData("SANDBOX_NETWORK_SUBNET", "10.213.0.0/30")]
    [InlineData("SANDBOX_NETWORK_SUBNET", "10.213.0.1/16")]
    [InlineData("SANDBOX_NETWORK_SUBNET", "fd00::/64")]
    [InlineData("SANDBOX_NETWORK_DNS", "resolver.example")]
    [InlineData("SANDBOX_NETWORK_DNS", "198.51.100.53:0")]
    [InlineData("SANDBOX_NETWORK_DNS", "198.51.100.53:53,198.51.100.54:5353")]
    [InlineData("SANDBOX_NETWORK_DNS", "10.213.0.1")]
    [InlineData("SANDBOX_NETWORK_ALLOW_PRIVATE", "10.0.0.0/33")]
    [InlineData("SANDBOX_NETWORK_ALLOW_PRIVATE", "10.0.0.0/8")]
    public void A_bad_value_is_refused_naming_its_variable(string name, string value)
    {
        var e = Refused(("RUNSC_DISABLE_NETWORKING", name == "RUNSC_DISABLE_NETWORKING" ? value : "false"), (name, value));
        Assert.Equal(name, e.Variable);
        Assert.StartsWith($"{name}=", e.ToString());
    }

    [Fact]
    public void A_networked_node_without_any_resolver_is_refused()
    {
        Assert.Empty(NodeConfigurationRules.HostNameservers(new NetworkOptions(), "nameserver ::1\n"));
        if (NodeConfigurationRules.HostNameservers(new NetworkOptions()).Count == 0)
        {
            var e = Assert.Throws<InvalidConfigurationException>(() =>
                NodeConfigurationRules.Enforce(new SandboxHostSettings { Network = new NetworkOptions { Enabled = true } }));
            Assert.Equal("SANDBOX_NETWORK_DNS", e.Problems.Single().Variable);
        }
    }
}
