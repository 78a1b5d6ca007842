using Shoal.Swarm;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

public class PexPeerStateTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static PexPeer P(int i, PexFlags flags = PexFlags.None) => new(new IPEndPoint(new IPAddress([10, 1, (byte)(i >> 8), (byte)i]), 6881), flags);

    [Fact]
    public void First_message_goes_at_once_then_at_most_one_per_minute()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        var first = state.NextMessage([P(1), P(2, PexFlags.Seed)]);
        Assert.NotNull(first);
        Assert.Equal([P(1), P(2, PexFlags.Seed)], first.Added);
        Assert.Empty(first.Dropped);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(state.NextMessage([P(1), P(3)]));
        time.Advance(TimeSpan.FromSeconds(1));
        var second = state.NextMessage([P(1), P(3)]);
        Assert.NotNull(second);
        Assert.Equal([P(3)], second.Added);
        Assert.Equal([P(2).EndPoint], second.Dropped);
    }

    [Fact]
    public void Nothing_is_sent_when_nothing_changed()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        Assert.Null(state.NextMessage([]));
        Assert.NotNull(state.NextMessage([P(1)]));
        time.Advance(Minute * 5);
        Assert.Null(state.NextMessage([P(1)]));
    }

    [Fact]
    public void Each_list_is_capped_at_50_and_the_rest_follows_later()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        var many = Enumerable.Range(0, 120).Select(i => P(i)).ToList();
        var first = state.NextMessage(many)!;
        Assert.Equal(50, first.Added.Count);
        time.Advance(Minute);
        Assert.Equal(50, state.NextMessage(many)!.Added.Count);
        time.Advance(Minute);
        Assert.Equal(20, state.NextMessage(many)!.Added.Count);
        time.Advance(Minute);
        var gone = state.NextMessage([])!;
        Assert.Empty(gone.Added);
        Assert.Equal(50, gone.Dropped.Count);
        Assert.Equal(70, state.Advertised.Count);
    }

    [Fact]
    public void Added_and_dropped_never_overlap_and_never_repeat()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        state.NextMessage([P(1), P(1), P(2)]);
        Assert.Equal(2, state.Advertised.Count);
        time.Advance(Minute);
        var m = state.NextMessage([P(2), P(3)])!;
        Assert.Empty(m.Added.Select(a => a.EndPoint).Intersect(m.Dropped));
    }

    [Fact]
    public void Received_contacts_are_deduplicated_and_one_port_per_address_is_taken()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        var message = new PexMessage([
            new(IPEndPoint.Parse("10.0.0.1:1000")), new(IPEndPoint.Parse("10.0.0.1:1001")), new(IPEndPoint.Parse("10.0.0.2:1000")),
            new(IPEndPoint.Parse("10.0.0.2:1000")), new(IPEndPoint.Parse("127.0.0.1:5000")), new(IPEndPoint.Parse("127.0.0.1:5001"))]);
        var learned = state.Receive(message.Encode());
        Assert.Equal(["10.0.0.1:1000", "10.0.0.2:1000", "127.0.0.1:5000", "127.0.0.1:5001"], learned.Select(e => e.EndPoint.ToString()));
        time.Advance(Minute);
        Assert.Empty(state.Receive(message.Encode()));
    }

    [Fact]
    public void Received_contacts_are_bounded_per_message_and_per_peer()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        int total = 0;
        for (int round = 0; round < 20; round++)
        {
            var many = Enumerable.Range(0, 300).Select(i => P(round * 300 + i)).ToList();
            var learned = state.Receive(new PexMessage(many).Encode());
            Assert.True(learned.Count <= PexPeerState.MaxAcceptedPerMessage);
            total += learned.Count;
            time.Advance(Minute);
        }
        Assert.Equal(PexPeerState.MaxAcceptedPerPeer, total);
    }

    [Fact]
    public void Messages_too_close_together_are_ignored_and_persistent_abuse_disconnects()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        Assert.Single(state.Receive(new PexMessage([P(1)]).Encode()));
        time.Advance(TimeSpan.FromSeconds(5));
        for (int i = 0; i < PexPeerState.MaxViolations; i++) Assert.Empty(state.Receive(new PexMessage([P(2 + i)]).Encode()));
        Assert.Throws<WireProtocolException>(() => state.Receive(new PexMessage([P(99)]).Encode()));
    }

    [Fact]
    public void Malformed_messages_are_ignored_until_they_become_a_pattern()
    {
        var time = new FakeTimeProvider();
        var state = new PexPeerState(time, Minute);
        for (int i = 0; i < PexPeerState.MaxViolations; i++) Assert.Empty(state.Receive("d5:added5:abcdee"u8));
        Assert.Single(state.Receive(new PexMessage([P(1)]).Encode()));
        Assert.Throws<WireProtocolException>(() => state.Receive("garbage"u8));
    }
}
