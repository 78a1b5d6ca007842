using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>The pieces of uTP's congestion control on their own: RTT/timeout, the base-delay history, LEDBAT's window.</summary>
public sealed class CongestionControlTests
{
    private const int Packet = 1400;

    [Fact]
    public void Rtt_follows_bep_29s_formula_and_the_timeout_has_a_floor_and_backs_off()
    {
        var rtt = new RttEstimator();
        Assert.Equal(1000, rtt.TimeoutMs(0)); // before any sample
        rtt.AddSample(400_000);
        Assert.Equal(400_000, rtt.RttMicros);
        rtt.AddSample(800_000);
        Assert.Equal(450_000, rtt.RttMicros);             // rtt += (800 - 400) / 8
        Assert.Equal(200_000 + (400_000 - 200_000) / 4, rtt.VarianceMicros); // var += (|delta| - var) / 4, from sample / 2
        Assert.Equal((450_000 + 4 * 250_000) / 1000, rtt.TimeoutMs(0));
        Assert.Equal(2 * rtt.TimeoutMs(0), rtt.TimeoutMs(1));
        Assert.Equal(60_000, rtt.TimeoutMs(20));

        var fast = new RttEstimator();
        for (int i = 0; i < 50; i++) fast.AddSample(1_000);
        Assert.Equal(500, fast.TimeoutMs(0)); // max(rtt + 4 var, 500 ms)
    }

    [Fact]
    public void The_base_delay_is_the_minimum_and_forgets_old_minutes_only_after_the_history_length()
    {
        var history = new DelayHistory();
        Assert.Equal(0u, history.AddSample(5_000, step: false));
        Assert.Equal(0u, history.AddSample(4_000, step: false));
        Assert.Equal(3_000u, history.AddSample(7_000, step: false));
        // 19 more minutes of higher samples (each minute with enough samples to step): the 4,000 minimum holds …
        for (int minute = 1; minute < DelayHistory.Minutes; minute++)
        {
            for (int i = 0; i < 130; i++) history.AddSample(9_000, step: false);
            history.AddSample(9_000, step: true);
            Assert.Equal(4_000u, history.Base);
        }
        // … and once its minute falls out of the history, the base rises.
        for (int i = 0; i < 130; i++) history.AddSample(9_000, step: false);
        history.AddSample(9_000, step: true);
        Assert.Equal(9_000u, history.Base);
    }

    [Fact]
    public void Timestamps_wrapping_past_2_to_the_32_microseconds_still_compare()
    {
        var history = new DelayHistory();
        history.AddSample(uint.MaxValue - 100, step: false);
        Assert.Equal(601u, history.AddSample(500, step: false)); // 500 is 601 µs after uint.MaxValue - 100
    }

    [Fact]
    public void Slow_start_doubles_per_round_trip_until_the_delay_reaches_the_target()
    {
        var ledbat = new LedbatController(Packet, TimeSpan.FromMilliseconds(100), 8 << 20);
        Assert.Equal(2 * Packet, ledbat.Window);
        // A full window acknowledged with no queueing delay: the window doubles (or grows by the 3,000-byte linear
        // gain when that is more, as libtorrent takes the larger).
        ledbat.OnAck(ledbat.Window, delayMicros: 0, inFlightBefore: ledbat.Window, inFlightAfter: 0, windowLimited: true);
        Assert.Equal(2 * Packet + 3000, ledbat.Window);
        ledbat.OnAck(ledbat.Window, 0, ledbat.Window, 0, windowLimited: true);
        Assert.Equal(2 * (2 * Packet + 3000), ledbat.Window);
        Assert.True(ledbat.SlowStart);
        ledbat.OnAck(Packet, delayMicros: 150_000, inFlightBefore: ledbat.Window, inFlightAfter: ledbat.Window - Packet);
        Assert.False(ledbat.SlowStart);
        Assert.Equal(2 * Packet + 3000, ledbat.SlowStartThreshold);
    }

    [Fact]
    public void Above_the_target_the_window_shrinks_in_proportion_below_it_grows_by_at_most_3000_bytes_a_round_trip()
    {
        var ledbat = new LedbatController(Packet, TimeSpan.FromMilliseconds(100), 8 << 20);
        ledbat.OnLoss(0); // leave slow start
        for (int i = 0; i < 40; i++) ledbat.OnAck(ledbat.Window, 0, ledbat.Window, 0, windowLimited: true);
        int grown = ledbat.Window;
        Assert.InRange(grown, Packet + 39 * 3000, Packet + 40 * 3000 + 100);

        // One round trip 100 ms over the target (delay 200 ms): the window loses GainBytesPerRtt.
        ledbat.OnAck(ledbat.Window, 200_000, ledbat.Window, 0, windowLimited: true);
        Assert.Equal(grown - LedbatController.GainBytesPerRtt, ledbat.Window, tolerance: 2);
        // Half a round trip's worth acknowledged 50 ms over: a quarter of that.
        int before = ledbat.Window;
        ledbat.OnAck(ledbat.Window / 2, 150_000, ledbat.Window, ledbat.Window / 2);
        Assert.Equal(before - LedbatController.GainBytesPerRtt / 4, ledbat.Window, tolerance: 2);
    }

    [Fact]
    public void An_application_that_does_not_fill_the_window_does_not_grow_it()
    {
        var ledbat = new LedbatController(Packet, TimeSpan.FromMilliseconds(100), 8 << 20);
        for (int i = 0; i < 5; i++) ledbat.OnAck(ledbat.Window, 0, ledbat.Window, 0, windowLimited: true);
        int window = ledbat.Window;
        ledbat.OnAck(Packet, 0, inFlightBefore: Packet, inFlightAfter: 0); // one packet in a window of many
        Assert.Equal(window, ledbat.Window);
    }

    [Fact]
    public void Loss_halves_the_window_once_per_100_ms_and_a_timeout_drops_it_to_one_packet()
    {
        var ledbat = new LedbatController(Packet, TimeSpan.FromMilliseconds(100), 8 << 20);
        for (int i = 0; i < 5; i++) ledbat.OnAck(ledbat.Window, 0, ledbat.Window, 0, windowLimited: true);
        int window = ledbat.Window;
        Assert.True(ledbat.OnLoss(nowMicros: 1_000_000));
        Assert.Equal(window / 2, ledbat.Window, tolerance: 1);
        Assert.False(ledbat.OnLoss(nowMicros: 1_050_000));
        Assert.True(ledbat.OnLoss(nowMicros: 1_100_000));
        Assert.Equal(window / 4, ledbat.Window, tolerance: 1);
        ledbat.OnTimeout(idle: false);
        Assert.Equal(Packet, ledbat.Window);
        Assert.True(ledbat.SlowStart);
    }
}
