using Microsoft.Extensions.Time.Testing;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

/// <summary>A torrent's bucket under the engine's: bytes pass only when both allow them.</summary>
public class TokenBucketTests
{
    private const int Block = 16 * 1024;

    [Fact]
    public void An_unlimited_torrent_bucket_still_waits_for_the_engines()
    {
        var time = new FakeTimeProvider();
        var engine = new TokenBucket(2 * Block, time);
        var torrent = new TokenBucket(0, time) { Parent = engine };
        Assert.True(torrent.WaitAsync(Block, CancellationToken.None).IsCompletedSuccessfully); // the engine's burst
        var second = torrent.WaitAsync(Block, CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(second.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_torrent_limit_below_the_engines_is_the_one_that_holds()
    {
        var time = new FakeTimeProvider();
        var engine = new TokenBucket(0, time);
        var torrent = new TokenBucket(Block, time) { Parent = engine };
        Assert.True(torrent.WaitAsync(Block, CancellationToken.None).IsCompletedSuccessfully);
        var second = torrent.WaitAsync(Block, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(second.IsCompletedSuccessfully);
        // Lifting the torrent's limit lets bytes through at once (the engine is unlimited).
        torrent.BytesPerSecond = 0;
        Assert.True(torrent.WaitAsync(10 * Block, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public void A_bucket_cannot_be_its_own_ancestor()
    {
        var time = new FakeTimeProvider();
        var engine = new TokenBucket(0, time);
        var torrent = new TokenBucket(0, time) { Parent = engine };
        Assert.Throws<ArgumentException>(() => engine.Parent = torrent);
        Assert.Throws<ArgumentException>(() => torrent.Parent = torrent);
    }
}
