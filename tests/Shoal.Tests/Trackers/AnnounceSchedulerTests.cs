using System.Net;
using Shoal.Trackers;

namespace Shoal.Tests.Trackers;

public class AnnounceSchedulerTests
{
    private const string A = "http://a.test/announce";
    private const string B = "udp://b.test:6969/announce";
    private const string C = "http://c.test/announce";

    [Fact]
    public async Task Started_first_then_regular_announces_on_the_trackers_interval()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Works(intervalSeconds: 100);

        await rig.StartAsync();
        Assert.Equal([AnnounceEvent.Started], rig[A].Events);

        await rig.AdvanceAsync(99);
        Assert.Single(rig[A].Calls);

        await rig.AdvanceAsync(1);
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.None], rig[A].Events);
        Assert.Equal(TimeSpan.FromSeconds(100), rig[A].Calls[1].At - SchedulerRig.Start);

        await rig.AdvanceAsync(100);
        Assert.Equal(3, rig[A].Calls.Count);
    }

    [Fact]
    public async Task Every_tier_is_announced_to()
    {
        await using var rig = new SchedulerRig([[A], [B]]);
        await rig.StartAsync();
        Assert.Equal([AnnounceEvent.Started], rig[A].Events);
        Assert.Equal([AnnounceEvent.Started], rig[B].Events);
    }

    [Fact]
    public async Task Strict_bep12_stops_at_the_first_tier_that_answers()
    {
        await using var rig = new SchedulerRig([[A], [B]], new TrackerClientOptions { AnnounceToAllTiers = false });
        await rig.StartAsync();
        Assert.Single(rig[A].Calls);
        Assert.Empty(rig[B].Calls);

        rig[A].Fails();
        await rig.AdvanceAsync(100);
        Assert.Equal(2, rig[A].Calls.Count);
        Assert.Equal([AnnounceEvent.Started], rig[B].Events);
    }

    [Fact]
    public async Task A_tier_is_shuffled_once_and_a_tracker_that_answers_moves_to_the_front()
    {
        await using var rig = new SchedulerRig([[A, B, C]], seed: 7);
        var order = rig.Order(0);
        Assert.Equal(new[] { A, B, C }.Order(), order.Order());
        // BEP 12's example: the first two cannot be reached, the third answers and leads from then on.
        rig[order[0]].Fails();
        rig[order[1]].Fails();

        await rig.StartAsync();

        Assert.Equal([order[2], order[0], order[1]], rig.Order(0));
        Assert.Single(rig[order[0]].Calls);
        Assert.Single(rig[order[1]].Calls);
        await rig.AdvanceAsync(100);
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.None], rig[order[2]].Events);
        Assert.Single(rig[order[0]].Calls); // not retried while the leader works
    }

    [Fact]
    public async Task Different_seeds_shuffle_differently()
    {
        var orders = new HashSet<string>();
        for (int seed = 0; seed < 20; seed++)
        {
            await using var rig = new SchedulerRig([[A, B, C]], seed: seed);
            orders.Add(string.Join(",", rig.Order(0)));
        }
        Assert.True(orders.Count > 1, "the tier was never shuffled");
    }

    [Fact]
    public async Task Failures_back_off_exponentially_with_jitter_up_to_the_cap()
    {
        var options = new TrackerClientOptions { MinBackoff = TimeSpan.FromSeconds(15), MaxBackoff = TimeSpan.FromMinutes(30) };
        await using var rig = new SchedulerRig([[A]], options);
        rig[A].Fails();
        await rig.StartAsync();

        double expected = 15;
        for (int failure = 1; failure <= 10; failure++)
        {
            var delay = rig.NextIn(A).TotalSeconds;
            Assert.InRange(delay, expected, expected * 1.25);
            await rig.AdvanceAsync(delay - 0.5);
            Assert.Equal(failure, rig[A].Calls.Count);
            await rig.AdvanceAsync(0.5);
            Assert.Equal(failure + 1, rig[A].Calls.Count);
            expected = Math.Min(expected * 2, 1800);
        }
        Assert.All(rig[A].Events, e => Assert.Equal(AnnounceEvent.Started, e)); // never acknowledged, so still 'started'
        Assert.Contains("is down (scripted)", rig.Scheduler.Status[0].LastError);
        Assert.Equal(TrackerState.Failing, rig.Scheduler.Status[0].State);

        rig[A].Works(intervalSeconds: 300);
        await rig.AdvanceAsync(rig.NextIn(A));
        Assert.Equal(TrackerState.Working, rig.Scheduler.Status[0].State);
        Assert.Null(rig.Scheduler.Status[0].LastError);
        Assert.Equal(TimeSpan.FromSeconds(300), rig.NextIn(A));
    }

    [Fact]
    public async Task Backoff_never_undercuts_the_trackers_min_interval()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Works(intervalSeconds: 100, minIntervalSeconds: 90);
        await rig.StartAsync();
        rig[A].Fails();
        await rig.AdvanceAsync(100);
        Assert.InRange(rig.NextIn(A).TotalSeconds, 90, 90);
    }

    [Fact]
    public async Task Announce_now_honours_min_interval()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Works(intervalSeconds: 1800, minIntervalSeconds: 60);
        await rig.StartAsync();
        await rig.AdvanceAsync(10);

        rig.Scheduler.AnnounceNow();
        await rig.SettleAsync();
        Assert.Single(rig[A].Calls);
        Assert.Equal(TimeSpan.FromSeconds(50), rig.NextIn(A));

        await rig.AdvanceAsync(50);
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.None], rig[A].Events);
        Assert.Equal(TimeSpan.FromSeconds(60), rig[A].Calls[1].At - SchedulerRig.Start);

        rig.Scheduler.AnnounceNow(); // no earlier than 60 s after the last one
        await rig.SettleAsync();
        Assert.Equal(TimeSpan.FromSeconds(60), rig.NextIn(A));
    }

    [Fact]
    public async Task Announce_now_without_min_interval_uses_the_default_spacing()
    {
        await using var rig = new SchedulerRig([[A]], new TrackerClientOptions { DefaultMinInterval = TimeSpan.FromSeconds(30) });
        rig[A].Works(intervalSeconds: 1800);
        await rig.StartAsync();
        await rig.AdvanceAsync(45);
        rig.Scheduler.AnnounceNow();
        await rig.SettleAsync();
        Assert.Equal(2, rig[A].Calls.Count);
        Assert.Equal(TimeSpan.FromSeconds(45), rig[A].Calls[1].At - SchedulerRig.Start);
    }

    [Fact]
    public async Task Announce_now_does_not_cut_a_failure_backoff_short()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Fails();
        await rig.StartAsync();
        var before = rig.NextIn(A);
        await rig.AdvanceAsync(1);
        rig.Scheduler.AnnounceNow();
        await rig.SettleAsync();
        Assert.Single(rig[A].Calls);
        Assert.Equal(before - TimeSpan.FromSeconds(1), rig.NextIn(A));
    }

    [Fact]
    public async Task Completed_is_sent_once_right_away_even_inside_min_interval()
    {
        await using var rig = new SchedulerRig([[A], [B]]);
        rig[A].Works(intervalSeconds: 1800, minIntervalSeconds: 600);
        rig[B].Works(intervalSeconds: 1800, minIntervalSeconds: 600);
        await rig.StartAsync();
        await rig.AdvanceAsync(10);

        rig.Left = 0;
        rig.Scheduler.AnnounceNow(AnnounceEvent.Completed);
        await rig.SettleAsync();
        rig.Scheduler.AnnounceNow(AnnounceEvent.Completed);
        await rig.SettleAsync();

        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Completed], rig[A].Events);
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Completed], rig[B].Events);
        Assert.Equal(0, rig[A].Calls[1].Request.Left);

        await rig.AdvanceAsync(1800);
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Completed, AnnounceEvent.None], rig[A].Events);
    }

    [Fact]
    public async Task Completed_is_retried_until_a_tracker_accepts_it()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Works(intervalSeconds: 100);
        await rig.StartAsync();
        rig[A].Fails();
        rig.Scheduler.AnnounceNow(AnnounceEvent.Completed);
        await rig.SettleAsync();
        rig[A].Works(intervalSeconds: 100);
        await rig.AdvanceAsync(rig.NextIn(A));
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Completed, AnnounceEvent.Completed], rig[A].Events);
        await rig.AdvanceAsync(100);
        Assert.Equal(AnnounceEvent.None, rig[A].Events[^1]);
    }

    [Fact]
    public async Task Completed_requested_while_an_announce_is_in_flight_follows_its_answer()
    {
        await using var rig = new SchedulerRig([[A]]);
        var answer = new TaskCompletionSource<AnnounceResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        rig[A].Behaviour = (_, _) => answer.Task;
        rig.Scheduler.Start();
        await SchedulerRig.WaitUntil(() => rig[A].Calls.Count == 1, "the started announce");

        rig.Scheduler.AnnounceNow(AnnounceEvent.Completed);
        rig[A].Works(intervalSeconds: 1800);
        answer.SetResult(ScriptedTracker.Answer(1800));
        await rig.SettleAsync();

        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Completed], rig[A].Events);
        Assert.Equal(TimeSpan.Zero, rig[A].Calls[1].At - SchedulerRig.Start);
    }

    [Fact]
    public async Task Announce_now_while_in_flight_is_honoured_after_min_interval()
    {
        await using var rig = new SchedulerRig([[A]]);
        var answer = new TaskCompletionSource<AnnounceResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        rig[A].Behaviour = (_, _) => answer.Task;
        rig.Scheduler.Start();
        await SchedulerRig.WaitUntil(() => rig[A].Calls.Count == 1, "the started announce");

        rig.Scheduler.AnnounceNow();
        rig[A].Works(intervalSeconds: 1800);
        answer.SetResult(ScriptedTracker.Answer(1800, minIntervalSeconds: 45));
        await rig.SettleAsync();

        Assert.Equal(TimeSpan.FromSeconds(45), rig.NextIn(A));
    }

    [Fact]
    public async Task A_seed_that_starts_complete_never_sends_completed()
    {
        await using var rig = new SchedulerRig([[A]]) { Left = 0 };
        rig.Scheduler.AnnounceNow(AnnounceEvent.Completed); // the engine may report completion before announcing
        await rig.StartAsync();
        await rig.AdvanceAsync(100);
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.None], rig[A].Events);
    }

    [Fact]
    public async Task Stop_sends_stopped_to_trackers_that_may_list_us_only()
    {
        await using var rig = new SchedulerRig([[A], [B], [C]]);
        rig[B].Fails(TrackerErrorKind.Failure); // refused: it does not list us
        rig[C].Fails(TrackerErrorKind.Timeout); // no answer: it may have listed us
        await rig.StartAsync();

        await rig.Scheduler.StopAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Stopped], rig[A].Events);
        Assert.Equal([AnnounceEvent.Started], rig[B].Events);
        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Stopped], rig[C].Events);
        Assert.All(rig.Scheduler.Status, s => Assert.Null(s.NextAnnounce));

        await rig.AdvanceAsync(1000); // nothing more after stop
        Assert.Equal(2, rig[A].Calls.Count);
        rig.Scheduler.AnnounceNow();
        Assert.Equal(2, rig[A].Calls.Count);
    }

    [Fact]
    public async Task Stop_cancels_an_announce_in_flight_and_still_says_stopped()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Hangs();
        rig.Scheduler.Start();
        await SchedulerRig.WaitUntil(() => rig[A].Calls.Count == 1, "the first announce");
        rig[A].Works();

        await rig.Scheduler.StopAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([AnnounceEvent.Started, AnnounceEvent.Stopped], rig[A].Events);
    }

    [Fact]
    public async Task Stop_gives_up_on_a_hanging_tracker_after_the_timeout()
    {
        await using var rig = new SchedulerRig([[A]]);
        await rig.StartAsync();
        rig[A].Hangs();

        var stop = rig.Scheduler.StopAsync(TimeSpan.FromSeconds(3));
        await SchedulerRig.WaitUntil(() => rig[A].Calls.Count == 2, "the stopped announce");
        rig.Time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.False(stop.IsCompleted);
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        await stop.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Contains("got no 'stopped' in time", rig.Scheduler.Status[0].LastError);
    }

    [Fact]
    public async Task Intervals_are_clamped()
    {
        var options = new TrackerClientOptions { MinimumInterval = TimeSpan.FromSeconds(10), MaximumInterval = TimeSpan.FromHours(1) };
        await using var rig = new SchedulerRig([[A], [B]], options);
        rig[A].Works(intervalSeconds: 0);
        rig[B].Works(intervalSeconds: 86_400);
        await rig.StartAsync();
        Assert.Equal(TimeSpan.FromSeconds(10), rig.NextIn(A));
        Assert.Equal(TimeSpan.FromHours(1), rig.NextIn(B));
    }

    [Fact]
    public async Task Peers_are_raised_and_status_reports_the_swarm()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Works(100, null, "10.0.0.1:6881", "[2001:db8::1]:51413");
        await rig.StartAsync();

        Assert.Equal([IPEndPoint.Parse("10.0.0.1:6881"), IPEndPoint.Parse("[2001:db8::1]:51413")], rig.Discovered);
        var status = Assert.Single(rig.Scheduler.Status);
        Assert.Equal(A, status.Url);
        Assert.Equal(TrackerState.Working, status.State);
        Assert.Equal(2, status.LastPeerCount);
        Assert.Equal(1, status.Seeders);
        Assert.Equal(2, status.Leechers);
        Assert.Equal(SchedulerRig.Start, status.LastAnnounce);
        Assert.Equal(SchedulerRig.Start.AddSeconds(100), status.NextAnnounce);
    }

    [Fact]
    public async Task A_throwing_peers_handler_does_not_stop_announcing()
    {
        await using var rig = new SchedulerRig([[A]]);
        rig[A].Works(100, null, "10.0.0.1:6881");
        rig.Scheduler.PeersDiscovered += _ => throw new InvalidOperationException("handler bug");
        await rig.StartAsync();
        await rig.AdvanceAsync(100);
        Assert.Equal(2, rig[A].Calls.Count);
    }

    [Fact]
    public async Task Duplicate_urls_are_dropped_and_unusable_ones_reported()
    {
        await using var rig = new SchedulerRig([[A, A, "ftp://files.test/x"], [], [" " + A + " ", "not a url"]]);
        await rig.StartAsync();

        var status = rig.Scheduler.Status;
        Assert.Equal(3, status.Count);
        var ftp = status.Single(s => s.Url == "ftp://files.test/x");
        Assert.Equal(TrackerState.Invalid, ftp.State);
        Assert.Equal("tracker ftp://files.test/x has unsupported scheme 'ftp' (expected http, https or udp)", ftp.LastError);
        var bad = status.Single(s => s.Url == "not a url");
        Assert.Equal(TrackerState.Invalid, bad.State);
        Assert.Equal(1, bad.Tier);
        Assert.Single(rig[A].Calls);
        Assert.Equal(1, rig.ClientsCreated);
    }

    [Fact]
    public async Task The_key_is_filled_in_once_and_kept()
    {
        await using var rig = new SchedulerRig([[A]]);
        await rig.StartAsync();
        await rig.AdvanceAsync(100);
        var keys = rig[A].Calls.Select(c => c.Request.Key).Distinct().ToList();
        Assert.Single(keys);
        Assert.NotEqual(0u, keys[0]);
    }

    [Fact]
    public async Task A_throwing_request_factory_counts_as_a_failure_and_is_retried()
    {
        int calls = 0;
        await using var rig = new SchedulerRig([[A]], requestFactory: () =>
            ++calls == 1 ? throw new InvalidOperationException("stats not ready") : TrackerTestData.Request());
        await rig.StartAsync();
        Assert.Empty(rig[A].Calls);
        Assert.Contains("stats not ready", rig.Scheduler.Status[0].LastError);
        await rig.AdvanceAsync(rig.NextIn(A));
        Assert.Single(rig[A].Calls);
    }

    [Fact]
    public async Task Dispose_stops_and_disposes_the_clients()
    {
        var rig = new SchedulerRig([[A]]);
        await rig.StartAsync();
        await rig.DisposeAsync();
        Assert.Equal(AnnounceEvent.Stopped, rig[A].Events[^1]);
        Assert.True(rig[A].Disposed);
    }

    [Fact]
    public async Task Misuse_is_rejected()
    {
        await using var rig = new SchedulerRig([[A]]);
        Assert.Throws<ArgumentException>(() => rig.Scheduler.AnnounceNow(AnnounceEvent.Started));
        Assert.Throws<ArgumentException>(() => rig.Scheduler.AnnounceNow(AnnounceEvent.Stopped));
        await rig.StartAsync();
        Assert.Throws<InvalidOperationException>(() => rig.Scheduler.Start());
    }

    [Fact]
    public async Task No_trackers_is_fine()
    {
        await using var rig = new SchedulerRig([]);
        rig.Scheduler.Start();
        rig.Scheduler.AnnounceNow();
        Assert.Empty(rig.Scheduler.Status);
        await rig.Scheduler.StopAsync(TimeSpan.FromSeconds(1));
    }
}
