using Shoal.Transport.Mse;

namespace Shoal.Tests.Daemon;

/// <summary>session-get/set `encryption` and `utp-enabled`: live on the engine's next connections, stored for the next start.</summary>
public sealed class SessionTransportTests
{
    [Fact]
    public async Task Encryption_is_preferred_by_default_and_session_set_switches_it_for_new_connections_and_keeps_it()
    {
        using var dir = new Shoal.Tests.Support.TempDirectory("daemon-enc");
        await using (var daemon = await TestDaemon.StartAsync(dir))
        {
            Assert.Equal("preferred", (await daemon.OkAsync("session-get")).GetProperty("encryption").GetString());
            await daemon.OkAsync("session-set", new Dictionary<string, object> { ["encryption"] = "required" });
            Assert.Equal("required", (await daemon.OkAsync("session-get")).GetProperty("encryption").GetString());
            Assert.Equal(EncryptionPolicy.Require, daemon.Engine.Transports.Encryption);
            Assert.Equal("invalid encryption 'maybe' (required, preferred or tolerated)",
                await daemon.FailAsync("session-set", new Dictionary<string, object> { ["encryption"] = "maybe" }));
        }
        await using (var restarted = await TestDaemon.StartAsync(dir))
        {
            Assert.Equal(EncryptionPolicy.Require, restarted.Engine.Transports.Encryption);
            Assert.Equal("required", (await restarted.OkAsync("session-get")).GetProperty("encryption").GetString());
        }
    }

    [Fact]
    public async Task uTP_is_on_with_a_UDP_port_and_session_set_turns_it_off()
    {
        await using var daemon = await TestDaemon.StartAsync(udp: true);
        Assert.True((await daemon.OkAsync("session-get")).GetProperty("utp-enabled").GetBoolean());
        await daemon.OkAsync("session-set", new Dictionary<string, object> { ["utp-enabled"] = false });
        Assert.False((await daemon.OkAsync("session-get")).GetProperty("utp-enabled").GetBoolean());
        Assert.False(daemon.Engine.Transports.UtpEnabled);
    }

    [Fact]
    public async Task Without_a_UDP_port_uTP_stays_off_whatever_is_asked()
    {
        await using var daemon = await TestDaemon.StartAsync();
        await daemon.OkAsync("session-set", new Dictionary<string, object> { ["utp-enabled"] = true });
        Assert.False((await daemon.OkAsync("session-get")).GetProperty("utp-enabled").GetBoolean());
    }
}
