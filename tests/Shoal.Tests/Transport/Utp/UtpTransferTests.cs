using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>Whole connections over the simulated network: the exact byte stream arrives whatever the network does.</summary>
public sealed class UtpTransferTests
{
    [Fact]
    public async Task Bytes_arrive_exactly_both_ways_on_a_clean_link()
    {
        await using var lab = new UtpLab(seed: 1);
        var (client, server) = await lab.ConnectAsync();
        var up = UtpLab.RandomBytes(300_000, 1);
        var down = UtpLab.RandomBytes(200_000, 2);
        Assert.Equal(up, lab.Transfer(client, server, up, TimeSpan.FromSeconds(30), close: false).Received);
        Assert.Equal(down, lab.Transfer(server, client, down, TimeSpan.FromSeconds(30)).Received);
        Assert.Equal(0, client.Statistics.PacketsResent);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public async Task Bytes_arrive_exactly_through_loss_duplication_and_reordering(int seed)
    {
        var conditions = new LinkConditions
        {
            Latency = TimeSpan.FromMilliseconds(15),
            Jitter = TimeSpan.FromMilliseconds(10),
            Loss = 0.05,
            Duplication = 0.03,
        };
        await using var lab = new UtpLab(seed, conditions);
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(1_000_000, seed);
        var (received, _) = lab.Transfer(client, server, data, TimeSpan.FromMinutes(5), writeSize: 7_777);
        Assert.Equal(data, received);
        Assert.True(client.Statistics.PacketsResent > 0, UtpLab.Describe(client));
        Assert.True(server.Statistics.DuplicatePacketsReceived > 0, UtpLab.Describe(server));
    }

    [Fact]
    public async Task Both_directions_at_once_through_a_lossy_link()
    {
        await using var lab = new UtpLab(seed: 21, new LinkConditions { Latency = TimeSpan.FromMilliseconds(30), Loss = 0.02, Jitter = TimeSpan.FromMilliseconds(5) });
        var (client, server) = await lab.ConnectAsync();
        var up = UtpLab.RandomBytes(400_000, 3);
        var down = UtpLab.RandomBytes(500_000, 4);
        var gotUp = new MemoryStream();
        var gotDown = new MemoryStream();
        int sentUp = 0, sentDown = 0;
        var buffer = new byte[32 * 1024];
        Assert.True(lab.Network.RunUntil(() =>
        {
            if (sentUp < up.Length) sentUp += client.TryWrite(up.AsSpan(sentUp));
            if (sentDown < down.Length) sentDown += server.TryWrite(down.AsSpan(sentDown));
            int n;
            while ((n = server.TryRead(buffer)) > 0) gotUp.Write(buffer, 0, n);
            while ((n = client.TryRead(buffer)) > 0) gotDown.Write(buffer, 0, n);
            return gotUp.Length == up.Length && gotDown.Length == down.Length;
        }, TimeSpan.FromMinutes(3)), $"{UtpLab.Describe(client)} {UtpLab.Describe(server)}");
        Assert.Equal(up, gotUp.ToArray());
        Assert.Equal(down, gotDown.ToArray());
    }
}
