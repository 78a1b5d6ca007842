using Microsoft.Extensions.Time.Testing;
using Shoal.Swarm.WebSeeds;

namespace Shoal.Tests.Swarm.WebSeeds;

public class WebSeedBackoffTests
{
    private static readonly WebSeedOptions Options = new();

    [Fact]
    public void FailuresInARowDoubleTheWaitWithJitterUpToTheCap()
    {
        var time = new FakeTimeProvider();
        var backoff = new WebSeedBackoff(Options, time, new Random(7));
        Assert.True(backoff.IsReady);
        var waits = Enumerable.Range(0, 12).Select(_ => backoff.Failed(WebSeedFailure.ServerError)).ToList();
        for (int i = 0; i < 8; i++)
            Assert.InRange(waits[i].TotalSeconds, 5 * Math.Pow(2, i) * 0.8, 5 * Math.Pow(2, i) * 1.2);
        Assert.All(waits.Skip(9), w => Assert.Equal(Options.MaxBackoff, w));
        Assert.Equal(12, backoff.FailuresInARow);

        Assert.False(backoff.IsReady);
        time.Advance(Options.MaxBackoff);
        Assert.True(backoff.IsReady);
        backoff.Succeeded();
        Assert.Equal(0, backoff.FailuresInARow);
        Assert.InRange(backoff.Failed(WebSeedFailure.Timeout).TotalSeconds, 4, 6); // starts over
    }

    [Fact]
    public void NotFoundRestsLongerAndRetryAfterIsHonouredAsGiven()
    {
        var time = new FakeTimeProvider();
        var backoff = new WebSeedBackoff(Options, time, new Random(1));
        Assert.InRange(backoff.Failed(WebSeedFailure.NotFound).TotalSeconds, 48, 72);
        Assert.Equal(TimeSpan.FromSeconds(7), backoff.Failed(WebSeedFailure.ServerError, TimeSpan.FromSeconds(7)));
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(7), backoff.RetryAt);
        Assert.Equal(Options.MaxBackoff, backoff.Failed(WebSeedFailure.ServerError, TimeSpan.FromDays(3))); // capped
        Assert.Equal(TimeSpan.Zero, backoff.Failed(WebSeedFailure.ServerError, TimeSpan.FromSeconds(-5)));
    }

    [Fact]
    public void BadDataBansForGood()
    {
        var time = new FakeTimeProvider();
        var backoff = new WebSeedBackoff(Options, time, new Random(1));
        Assert.Equal(Timeout.InfiniteTimeSpan, backoff.Failed(WebSeedFailure.BadData));
        time.Advance(TimeSpan.FromDays(365));
        Assert.False(backoff.IsReady);
        Assert.True(backoff.IsBanned);
    }
}
