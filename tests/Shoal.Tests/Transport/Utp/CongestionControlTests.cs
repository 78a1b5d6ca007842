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
        // A full window acknowledged with no queueing delay: the window doubles.
        ledbat.OnAck(ledbat.Window, delayMicros: 0, inFlightBefore: ledbat.Window, inFlightAfter: 0, windowLimited: true);
        Assert.Equal(4 * Packet, ledbat.Window);
        ledbat.OnAck(ledbat.Window, 0, ledbat.Window, 0, windowLimited: true);
        Assert.Equal(8 * Packet, ledbat.Window);
        Assert.True(ledbat.SlowStart);
        ledbat.OnAck(Packet, delayMicros: 150_000, inFlightBefore: ledbat.Window, inFlightAfter: ledbat.Window - Packet);
        Assert.False(ledbat.SlowStart);
        Assert.Equal(4 * Packet, ledbat.SlowStartThreshold);
    }

    [Theory]
    [InlineData(0, Packet)]             // base RTT unknown: one packet per round trip (RFC 6817: never faster than TCP)
    [InlineData(200_000, Packet)]       // 2 x target / base = 1
    [InlineData(50_000, Packet / 4)]    // 4
    [InlineData(30_000, Packet / 7)]    // ceil(6.67) = 7
    [InlineData(1_000, Packet / 16)]    // 200, capped at 16
    [InlineData(30, Packet / 16)]       // a veth pair
    public void The_gain_is_one_packet_per_round_trip_divided_by_ledbat_plus_plus_factor(long baseRttMicros, int gain)
    {
        var ledbat = new LedbatController(Packet, TimeSpan.FromMilliseconds(100), 8 << 20);
        Assert.Equal(gain, ledbat.GainBytesPerRtt(baseRttMicros));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(200_000)]
    public void Below_the_target_the_window_grows_in_proportion_at_it_stays_and_above_it_shrinks(long baseRttMicros)
    {
        LedbatController Converged()
        {
            var ledbat = new LedbatController(Packet, TimeSpan.FromMilliseconds(100), 8 << 20);
            ledbat.OnLoss(0); // leave slow start
            for (int i = 0; i < 200; i++) ledbat.OnAck(40 * Packet, 0, 40 * Packet, 0, windowLimited: true, baseRttMicros);
            return ledbat;
        }
        var below = Converged();
        int start = below.Window;
        int gain = below.GainBytesPerRtt(baseRttMicros);
        Assert.Equal(LedbatController.MinWindowPackets * Packet + 200 * gain, start, tolerance: 200);

        // A whole round trip's worth acknowledged with no queueing delay: the full gain; at 75 ms of 100: a quarter.
        below.OnAck(start, 0, start, 0, windowLimited: true, baseRttMicros);
        Assert.Equal(start + gain, below.Window, tolerance: 2);
        int before = below.Window;
        below.OnAck(before, 75_000, before, 0, windowLimited: true, baseRttMicros);
        Assert.Equal(before + gain / 4, below.Window, tolerance: 2);

        var at = Converged();
        at.OnAck(at.Window, 100_000, at.Window, 0, windowLimited: true, baseRttMicros);
        Assert.Equal(start, at.Window);

        // Over the target it shrinks by (delay / target - 1) of the window per round trip, at most half.
        var over = Converged();
        over.OnAck(over.Window, 120_000, over.Window, 0, windowLimited: true, baseRttMicros);
        Assert.Equal(start * 0.8, over.Window, tolerance: 2);
        over.OnAck(over.Window / 2, 150_000, over.Window, over.Window / 2, baseRttMicros: baseRttMicros); // half a round trip
        Assert.Equal(start * 0.8 * 0.75, over.Window, tolerance: 2);
        int shrunk = over.Window;
        over.OnAck(over.Window, 900_000, over.Window, 0, baseRttMicros: baseRttMicros);
        Assert.Equal(shrunk / 2, over.Window, tolerance: 2);
        for (int i = 0; i < 20; i++) over.OnAck(over.Window, 900_000, over.Window, 0, baseRttMicros: baseRttMicros);
        Assert.Equal(LedbatController.MinWindowPackets * Packet, over.Window);
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
    public void Loss_halves_the_window_once_per_round_trip_down_to_two_packets_and_a_timeout_drops_it_to_one()
    {
        var ledbat = new LedbatController(Packet, TimeSpan.FromMilliseconds(100), 8 << 20);
        for (int i = 0; i < 5; i++) ledbat.OnAck(ledbat.Window, 0, ledbat.Window, 0, windowLimited: true);
        int window = ledbat.Window;
        Assert.True(ledbat.OnLoss(nowMicros: 1_000_000, rttMicros: 10_000));
        Assert.Equal(window / 2, ledbat.Window, tolerance: 1);
        Assert.False(ledbat.OnLoss(nowMicros: 1_009_999, rttMicros: 10_000)); // the same round trip
        Assert.True(ledbat.OnLoss(nowMicros: 1_010_000, rttMicros: 10_000));
        Assert.Equal(window / 4, ledbat.Window, tolerance: 1);
        for (int i = 1; i <= 10; i++) ledbat.OnLoss(1_010_000 + i * 10_000, 10_000);
        Assert.Equal(2 * Packet, ledbat.Window);
        ledbat.OnTimeout(idle: false);
        Assert.Equal(Packet, ledbat.Window);
        Assert.True(ledbat.SlowStart);
    }
}
