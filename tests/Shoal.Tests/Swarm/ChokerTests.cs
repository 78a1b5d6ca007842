using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

public class ChokerTests
{
    private sealed class Candidate(string name, double download, double upload, bool interested = true, long connectedAt = 0) : IChokeCandidate
    {
        public string Name => name;
        public bool PeerInterested => interested;
        public bool AmChoking => true;
        public bool IsSnubbed { get; set; }
        public bool IsOptimistic { get; set; }
        public long ConnectedAt => connectedAt;
        public double RateFor(bool seeding) => seeding ? upload : download;
        public override string ToString() => name;
    }

    private const long Frequency = 1000;
    private const long Now = 1_000_000;

    [Fact]
    public void Leeching_unchokes_the_peers_that_give_us_most_plus_one_optimistic()
    {
        var peers = Enumerable.Range(0, 8).Select(i => new Candidate($"p{i}", download: i * 100, upload: 0)).ToList();
        var unchoked = new Choker(3, new Random(1)).Decide(peers, seeding: false, rotateOptimistic: true, Now, Frequency);
        Assert.Equal(4, unchoked.Count);
        Assert.Contains(peers[7], unchoked);
        Assert.Contains(peers[6], unchoked);
        Assert.Contains(peers[5], unchoked);
        Assert.Single(peers, p => p.IsOptimistic);
    }

    [Fact]
    public void Seeding_ranks_by_upload_rate()
    {
        var peers = new List<Candidate> { new("slow", 999, 1), new("fast", 0, 500), new("mid", 0, 100) };
        var unchoked = new Choker(1, new Random(1)).Decide(peers, seeding: true, rotateOptimistic: false, Now, Frequency);
        Assert.Contains(peers[1], unchoked);
    }

    [Fact]
    public void Uninterested_and_snubbed_peers_get_no_regular_slot()
    {
        var snubbed = new Candidate("snubbed", 1000, 0) { IsSnubbed = true };
        var bored = new Candidate("bored", 900, 0, interested: false);
        var ok = new Candidate("ok", 10, 0);
        var unchoked = new Choker(1, new Random(1)).Decide(new List<Candidate> { snubbed, bored, ok }, false, rotateOptimistic: false, Now, Frequency);
        Assert.DoesNotContain(bored, unchoked);
        Assert.Contains(ok, unchoked);
        Assert.True(!unchoked.Contains(snubbed) || snubbed.IsOptimistic);
    }

    [Fact]
    public void Optimistic_unchoke_stays_until_rotation()
    {
        var peers = Enumerable.Range(0, 10).Select(i => new Candidate($"p{i}", 0, 0)).ToList();
        var choker = new Choker(1, new Random(5));
        choker.Decide(peers, false, rotateOptimistic: true, Now, Frequency);
        var optimistic = peers.Single(p => p.IsOptimistic);
        for (int round = 0; round < 5; round++)
        {
            choker.Decide(peers, false, rotateOptimistic: false, Now, Frequency);
            Assert.True(optimistic.IsOptimistic);
        }
        var seen = new HashSet<Candidate>();
        for (int round = 0; round < 30; round++)
        {
            choker.Decide(peers, false, rotateOptimistic: true, Now, Frequency);
            seen.Add(peers.Single(p => p.IsOptimistic));
        }
        Assert.True(seen.Count > 3);
    }
}
