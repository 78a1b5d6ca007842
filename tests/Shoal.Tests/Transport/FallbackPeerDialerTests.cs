using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Transport;

namespace Shoal.Tests.Transport;

/// <summary>uTP first, TCP after a head start: the first connection wins, a peer that lost uTP goes straight to TCP next time.</summary>
public class FallbackPeerDialerTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("10.0.0.9"), 6881);
    private static readonly TimeSpan HeadStart = TimeSpan.FromSeconds(1);

    /// <summary>A dialer whose dials complete when the test says so.</summary>
    private sealed class ScriptedDialer(TransportKind kind) : IPeerDialer
    {
        public List<(TaskCompletionSource<TransportConnection> Pending, CancellationToken Token)> Dials { get; } = [];

        public Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct)
        {
            var pending = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            ct.Register(() => pending.TrySetCanceled(ct));
            lock (Dials) Dials.Add((pending, ct));
            return pending.Task;
        }

        public void Answer(int index) => Dials[index].Pending.TrySetResult(new TransportConnection(new MemoryStream(), Peer, kind, isIncoming: false));

        public void Fail(int index) => Dials[index].Pending.TrySetException(new IOException("refused"));
    }

    private static (FallbackPeerDialer Dialer, ScriptedDialer Utp, ScriptedDialer Tcp, FakeTimeProvider Time) Create()
    {
        var time = new FakeTimeProvider();
        var utp = new ScriptedDialer(TransportKind.Utp);
        var tcp = new ScriptedDialer(TransportKind.Tcp);
        return (new FallbackPeerDialer(utp, tcp, HeadStart, time), utp, tcp, time);
    }

    [Fact]
    public async Task A_peer_that_answers_uTP_within_the_head_start_gets_uTP_and_no_TCP_dial()
    {
        var (dialer, utp, tcp, _) = Create();
        var dial = dialer.DialAsync(Peer, TestContext.Current.CancellationToken);
        utp.Answer(0);
        Assert.Equal(TransportKind.Utp, (await dial).Kind);
        Assert.Empty(tcp.Dials);
    }

    [Fact]
    public async Task A_silent_uTP_peer_gets_TCP_after_the_head_start_and_straight_away_next_time()
    {
        var (dialer, utp, tcp, time) = Create();
        var dial = dialer.DialAsync(Peer, TestContext.Current.CancellationToken);
        Assert.Empty(tcp.Dials);
        time.Advance(HeadStart);
        await WaitForAsync(() => tcp.Dials.Count == 1);
        tcp.Answer(0);
        Assert.Equal(TransportKind.Tcp, (await dial).Kind);
        Assert.True(utp.Dials[0].Token.IsCancellationRequested); // the uTP attempt is given up

        var again = dialer.DialAsync(Peer, TestContext.Current.CancellationToken);
        Assert.Single(utp.Dials);
        tcp.Answer(1);
        Assert.Equal(TransportKind.Tcp, (await again).Kind);
    }

    [Fact]
    public async Task A_dial_hinted_TCP_first_races_the_other_way_round_and_leaves_no_memory()
    {
        var (dialer, utp, tcp, time) = Create();
        var dial = dialer.DialAsync(Peer, TransportKind.Tcp, TestContext.Current.CancellationToken);
        Assert.Single(tcp.Dials);
        Assert.Empty(utp.Dials); // TCP has the head start
        time.Advance(HeadStart);
        await WaitForAsync(() => utp.Dials.Count == 1);
        utp.Answer(0);
        Assert.Equal(TransportKind.Utp, (await dial).Kind);
        Assert.True(tcp.Dials[0].Token.IsCancellationRequested);

        // A hint of uTP (or none) is the usual order.
        var hinted = dialer.DialAsync(Peer, TransportKind.Utp, TestContext.Current.CancellationToken);
        Assert.Equal(2, utp.Dials.Count);
        Assert.Single(tcp.Dials);
        utp.Answer(1);
        Assert.Equal(TransportKind.Utp, (await hinted).Kind);
    }

    [Fact]
    public async Task A_refused_uTP_dial_falls_back_at_once()
    {
        var (dialer, utp, tcp, _) = Create();
        var dial = dialer.DialAsync(Peer, TestContext.Current.CancellationToken);
        utp.Fail(0);
        await WaitForAsync(() => tcp.Dials.Count == 1);
        tcp.Answer(0);
        Assert.Equal(TransportKind.Tcp, (await dial).Kind);
    }

    [Fact]
    public async Task A_late_uTP_answer_still_wins_over_a_TCP_dial_in_progress()
    {
        var (dialer, utp, tcp, time) = Create();
        var dial = dialer.DialAsync(Peer, TestContext.Current.CancellationToken);
        time.Advance(HeadStart);
        await WaitForAsync(() => tcp.Dials.Count == 1);
        utp.Answer(0);
        Assert.Equal(TransportKind.Utp, (await dial).Kind);
        Assert.True(tcp.Dials[0].Token.IsCancellationRequested);
    }

    [Fact]
    public async Task A_refused_TCP_dial_leaves_the_slow_uTP_dial_to_decide()
    {
        var (dialer, utp, tcp, time) = Create();
        var dial = dialer.DialAsync(Peer, TestContext.Current.CancellationToken);
        time.Advance(HeadStart);
        await WaitForAsync(() => tcp.Dials.Count == 1);
        tcp.Fail(0);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(dial.IsCompleted);
        utp.Answer(0);
        Assert.Equal(TransportKind.Utp, (await dial).Kind);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++) await Task.Delay(10, TestContext.Current.CancellationToken);
        Assert.True(condition());
    }
}
