using System.Text;
using Shoal.Daemon;
using Shoal.Daemon.Http;

namespace Shoal.Tests.Daemon;

public sealed class RpcGateTests
{
    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    [Fact]
    public void Without_credentials_configured_only_host_and_session_id_are_checked()
    {
        var gate = new RpcGate(new RpcOptions(), "sid");
        Assert.Equal(GateVerdict.Allow, gate.Check(null, "127.0.0.1:9091", "sid"));
        Assert.Equal(GateVerdict.WrongSessionId, gate.Check(null, "127.0.0.1:9091", null));
        Assert.Equal(GateVerdict.WrongSessionId, gate.Check(null, "127.0.0.1:9091", "SID"));
    }

    [Fact]
    public void Credentials_are_checked_first_so_a_stranger_learns_not_even_the_session_id()
    {
        var gate = new RpcGate(new RpcOptions { Username = "ann", Password = "pässword:with colon" }, "sid");
        Assert.Equal(GateVerdict.Unauthorized, gate.Check(null, "evil.example", null));
        Assert.Equal(GateVerdict.Unauthorized, gate.Check(Basic("ann:wrong"), "127.0.0.1", "sid"));
        Assert.Equal(GateVerdict.Unauthorized, gate.Check(Basic("bob:pässword:with colon"), "127.0.0.1", "sid"));
        Assert.Equal(GateVerdict.Unauthorized, gate.Check("Basic !!!notbase64", "127.0.0.1", "sid"));
        Assert.Equal(GateVerdict.Unauthorized, gate.Check("Bearer x", "127.0.0.1", "sid"));
        Assert.Equal(GateVerdict.WrongSessionId, gate.Check(Basic("ann:pässword:with colon"), "127.0.0.1", null));
        Assert.Equal(GateVerdict.Allow, gate.Check(Basic("ann:pässword:with colon"), "127.0.0.1", "sid"));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.1:9091", true)]
    [InlineData("[::1]:9091", true)]
    [InlineData("::1", true)]
    [InlineData("192.168.1.10:9091", true)]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST:9091", true)]
    [InlineData("localhost.:9091", true)]
    [InlineData("nas.lan:9091", true)]
    [InlineData("box.home.arpa", true)]
    [InlineData("evil.example", false)]
    [InlineData("localhost.evil.example", false)]
    [InlineData("nas.lan.evil.example", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Host_names_pass_only_when_local_an_address_or_whitelisted(string? host, bool allowed)
    {
        var gate = new RpcGate(new RpcOptions { HostWhitelist = ["nas.lan", "*.home.arpa"] }, "sid");
        Assert.Equal(allowed, gate.IsHostAllowed(host));
        Assert.Equal(allowed ? GateVerdict.Allow : GateVerdict.MisdirectedHost, gate.Check(null, host, "sid"));
    }

    [Theory]
    [InlineData("a.b.c", "*.c", true)]
    [InlineData("a.b.c", "a.*", true)]
    [InlineData("a.b.c", "*b*", true)]
    [InlineData("abc", "a*b*c", true)]
    [InlineData("ac", "a*b*c", false)]
    [InlineData("x.c", "*.c.d", false)]
    [InlineData("A.B", "a.b", true)]
    public void Whitelist_patterns_are_globs_with_stars(string name, string pattern, bool matches) =>
        Assert.Equal(matches, RpcGate.Matches(name, pattern));
}
