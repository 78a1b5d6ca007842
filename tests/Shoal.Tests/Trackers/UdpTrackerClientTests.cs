using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Shoal.Trackers;
using Shoal.Trackers.Udp;
using static Shoal.Tests.Trackers.TrackerTestData;

namespace Shoal.Tests.Trackers;

/// <summary>The real UDP client against a fake BEP 15 tracker on loopback.</summary>
public class UdpTrackerClientTests
{
    // Generous enough that a loaded machine does not turn a slow loopback answer into a retransmission.
    private static readonly TrackerClientOptions Fast = new()
    {
        UdpTimeout = TimeSpan.FromMilliseconds(250),
        UdpMaxTimeout = TimeSpan.FromSeconds(1),
        UdpRetries = 3,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsConnect(byte[] p) => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)) == 0;

    [Fact]
    public async Task Connect_then_announce()
    {
        using var tracker = new FakeUdpTracker { CompactPeers = Convert.FromHexString("0A0000011AE1" + "0A000002C8D5") };
        using var client = new UdpTrackerClient(tracker.Announce, Fast);

        var response = await client.AnnounceAsync(Request(AnnounceEvent.Completed, port: 7000, key: 0x01020304), Ct);

        Assert.Equal([IPEndPoint.Parse("10.0.0.1:6881"), IPEndPoint.Parse("10.0.0.2:51413")], response.Peers);
        Assert.Equal(TimeSpan.FromSeconds(1800), response.Interval);
        Assert.Equal((6, 5), (response.Seeders, response.Leechers));
        var sent = tracker.LastAnnounce;
        Assert.Equal(AwkwardHash.ToArray(), sent[16..36]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(sent.AsSpan(80))); // completed
        Assert.Equal(0x01020304u, BinaryPrimitives.ReadUInt32BigEndian(sent.AsSpan(88)));
        Assert.Equal(7000, BinaryPrimitives.ReadUInt16BigEndian(sent.AsSpan(96)));
    }

    [Fact]
    public async Task Connection_id_is_reused_for_a_minute_then_renewed()
    {
        var time = new FakeTimeProvider();
        using var tracker = new FakeUdpTracker();
        using var client = new UdpTrackerClient(tracker.Announce, Fast with { TimeProvider = time });

        await client.AnnounceAsync(Request(), Ct);
        await client.ScrapeAsync(AwkwardHash, Ct);
        time.Advance(TimeSpan.FromSeconds(59));
        await client.AnnounceAsync(Request(AnnounceEvent.None), Ct);
        Assert.Equal(1, tracker.Count(UdpTrackerAction.Connect));

        time.Advance(TimeSpan.FromSeconds(1));
        await client.AnnounceAsync(Request(AnnounceEvent.None), Ct);
        Assert.Equal(2, tracker.Count(UdpTrackerAction.Connect));
        Assert.Equal(3, tracker.Count(UdpTrackerAction.Announce));
    }

    [Fact]
    public async Task Lost_packets_are_retransmitted()
    {
        using var tracker = new FakeUdpTracker();
        int seen = 0;
        tracker.Override = request => Interlocked.Increment(ref seen) is 1 or 3 ? [] : tracker.Answer(request); // drop the first connect and the first announce
        using var client = new UdpTrackerClient(tracker.Announce, Fast with { UdpTimeout = TimeSpan.FromSeconds(1), UdpMaxTimeout = TimeSpan.FromSeconds(1), UdpRetries = 4 });

        await client.AnnounceAsync(Request(), Ct);

        // connect (lost), connect, announce (lost), connect (a timed-out announce may mean a stale id), announce.
        // On a loaded machine an answered packet can also outlive the 1 s timeout and be sent once more,
        // so count the retransmissions that must have happened rather than the exact total.
        var kinds = tracker.Received.Select(IsConnect).ToList();
        Assert.True(seen >= 5, $"only {seen} packets: nothing was retransmitted");
        Assert.True(kinds[0] && kinds[1], "the lost connect was not sent again before the first announce");
        Assert.True(kinds.Count(k => !k) >= 2, "the lost announce was not sent again");
        Assert.True(kinds.Count(k => k) >= 3, "a timed-out announce must renew the connection id");
        // Transaction ids differ on every send, so a late answer to an abandoned send cannot be mistaken.
        Assert.Equal(tracker.Received.Count, tracker.Received.Select(p => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(12))).Distinct().Count());
    }

    [Fact]
    public async Task A_silent_tracker_times_out_after_the_configured_retries()
    {
        using var tracker = new FakeUdpTracker { Override = _ => [] };
        var options = Fast with { UdpTimeout = TimeSpan.FromMilliseconds(150), UdpMaxTimeout = TimeSpan.FromMilliseconds(600), UdpRetries = 2 };
        using var client = new UdpTrackerClient(tracker.Announce, options);

        var e = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(), Ct));

        Assert.Equal(TrackerErrorKind.Timeout, e.Kind);
        Assert.Equal($"tracker {tracker.Announce} did not answer (3 attempts over 1.1 s)", e.Message); // 150 + 300 + 600 ms
        Assert.Equal(3, tracker.Received.Count);
    }

    [Fact]
    public async Task Error_packets_are_failures_with_the_trackers_message()
    {
        using var tracker = new FakeUdpTracker();
        tracker.Override = request => IsConnect(request) ? tracker.Answer(request) : [FakeUdpTracker.Error(request, "info_hash not whitelisted")];
        using var client = new UdpTrackerClient(tracker.Announce, Fast);

        var e = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(), Ct));

        Assert.Equal(TrackerErrorKind.Failure, e.Kind);
        Assert.Equal($"tracker {tracker.Announce} refused the request: info_hash not whitelisted", e.Message);
    }

    [Fact]
    public async Task Answers_with_a_foreign_transaction_id_are_ignored()
    {
        using var tracker = new FakeUdpTracker();
        tracker.Override = request =>
        {
            var good = tracker.Answer(request);
            if (good.Length == 0 || IsConnect(request)) return good;
            var forged = (byte[])good[0].Clone();
            forged[7] ^= 0xFF; // wrong transaction id
            forged[^1] ^= 0xFF;
            return [forged, good[0]];
        };
        tracker.CompactPeers = Convert.FromHexString("0A0000011AE1");
        using var client = new UdpTrackerClient(tracker.Announce, Fast);

        var response = await client.AnnounceAsync(Request(), Ct);

        Assert.Equal([IPEndPoint.Parse("10.0.0.1:6881")], response.Peers);
    }

    [Fact]
    public async Task Garbage_under_the_right_transaction_id_is_invalid()
    {
        using var tracker = new FakeUdpTracker();
        tracker.Override = request => IsConnect(request)
            ? tracker.Answer(request)
            : [[0, 0, 0, 1, request[12], request[13], request[14], request[15], 0, 0, 7, 8, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3]];
        using var client = new UdpTrackerClient(tracker.Announce, Fast);

        var e = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(), Ct));

        Assert.Equal(TrackerErrorKind.InvalidResponse, e.Kind);
        Assert.Contains("3 bytes of peers are not a multiple of 6", e.Message);
    }

    [Fact]
    public async Task Nothing_listening_fails_fast_as_unreachable()
    {
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0))) port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        // Long timeouts: only the kernel's "port unreachable" can end this quickly.
        using var client = new UdpTrackerClient(new Uri($"udp://127.0.0.1:{port}/announce"), Fast with { UdpTimeout = TimeSpan.FromSeconds(60), UdpMaxTimeout = TimeSpan.FromSeconds(60) });

        var e = await Assert.ThrowsAsync<TrackerException>(() => client.AnnounceAsync(Request(), Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct));

        Assert.Equal(TrackerErrorKind.Unreachable, e.Kind);
        Assert.Equal($"tracker udp://127.0.0.1:{port}/announce is unreachable: nothing answers on UDP port {port} (port unreachable)", e.Message);
    }

    [Fact]
    public async Task A_restarted_tracker_is_reconnected_to()
    {
        var first = new FakeUdpTracker();
        var port = first.EndPoint.Port;
        using var client = new UdpTrackerClient(first.Announce, Fast);
        await client.AnnounceAsync(Request(), Ct);
        first.Dispose();

        // The new instance does not know the cached connection id and drops the announce; the client must reconnect.
        using var second = new FakeUdpTracker(port: port) { CompactPeers = Convert.FromHexString("0A0000091AE1") };
        var response = await client.AnnounceAsync(Request(AnnounceEvent.None), Ct);

        Assert.Equal([IPEndPoint.Parse("10.0.0.9:6881")], response.Peers);
        Assert.Equal(1, second.Count(UdpTrackerAction.Connect));
        Assert.Equal(2, second.Count(UdpTrackerAction.Announce));
    }

    [Fact]
    public async Task Scrape()
    {
        using var tracker = new FakeUdpTracker();
        using var client = new UdpTrackerClient(tracker.Announce, Fast);
        Assert.Equal(new ScrapeResult(7, 8, 9), await client.ScrapeAsync(AwkwardHash, Ct));
        Assert.Equal(AwkwardHash.ToArray(), tracker.Received.Last()[16..36]);
    }

    [Fact]
    public async Task Ipv6_tracker_answers_carry_18_byte_peers()
    {
        FakeUdpTracker tracker;
        try
        {
            tracker = new FakeUdpTracker(IPAddress.IPv6Loopback);
        }
        catch (SocketException e)
        {
            Assert.Skip($"no IPv6 loopback here: {e.Message}");
            return;
        }
        using var _ = tracker;
        tracker.CompactPeers = Convert.FromHexString("20010DB8000000000000000000000001" + "1AE1");
        using var client = new UdpTrackerClient(tracker.Announce, Fast);

        var response = await client.AnnounceAsync(Request(), Ct);

        Assert.Equal([IPEndPoint.Parse("[2001:db8::1]:6881")], response.Peers);
        Assert.Equal(IPAddress.IPv6Loopback, client.RemoteEndPoint!.Address);
    }

    [Fact]
    public async Task Ipv6_answers_longer_than_the_receive_buffer_keep_whole_peers()
    {
        FakeUdpTracker tracker;
        try
        {
            tracker = new FakeUdpTracker(IPAddress.IPv6Loopback);
        }
        catch (SocketException e)
        {
            Assert.Skip($"no IPv6 loopback here: {e.Message}");
            return;
        }
        using var _ = tracker;
        tracker.CompactPeers = Enumerable.Range(1, 100).SelectMany(i => IPAddress.Parse($"2001:db8::{i:x}").GetAddressBytes().Concat(new byte[] { 0, 80 })).ToArray();
        using var client = new UdpTrackerClient(tracker.Announce, Fast with { MaxPeers = 40 });

        var response = await client.AnnounceAsync(Request(), Ct);

        Assert.Equal(40, response.Peers.Count);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::28]:80"), response.Peers[^1]);
    }

    [Fact]
    public async Task Peer_lists_are_bounded()
    {
        using var tracker = new FakeUdpTracker { CompactPeers = Enumerable.Range(1, 200).SelectMany(i => new byte[] { 10, 0, 0, (byte)i, 0, 80 }).ToArray() };
        using var client = new UdpTrackerClient(tracker.Announce, Fast with { MaxPeers = 50 });
        var response = await client.AnnounceAsync(Request(), Ct);
        Assert.Equal(50, response.Peers.Count);
    }

    [Fact]
    public async Task Cancellation_is_not_a_tracker_error()
    {
        using var tracker = new FakeUdpTracker { Override = _ => [] };
        using var client = new UdpTrackerClient(tracker.Announce, Fast with { UdpTimeout = TimeSpan.FromSeconds(30) });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var announce = client.AnnounceAsync(Request(), cts.Token);
        cts.CancelAfter(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => announce);
    }

    [Fact]
    public async Task Random_answers_end_only_in_tracker_exceptions()
    {
        using var tracker = new FakeUdpTracker();
        byte[] garbage = [];
        tracker.Override = request =>
        {
            if (IsConnect(request)) return tracker.Answer(request);
            var answer = (byte[])garbage.Clone();
            if (answer.Length >= 8) request.AsSpan(12, 4).CopyTo(answer.AsSpan(4)); // right transaction id, random rest
            return [answer];
        };
        using var client = new UdpTrackerClient(tracker.Announce, Fast with { UdpTimeout = TimeSpan.FromMilliseconds(30), UdpRetries = 0 });
        await Gen.Select(Gen.Byte.Array[0, 100], Gen.UInt[0, 4]).SampleAsync(async (bytes, action) =>
        {
            if (bytes.Length >= 4) BinaryPrimitives.WriteUInt32BigEndian(bytes, action);
            garbage = bytes;
            try
            {
                await client.AnnounceAsync(Request(), Ct);
            }
            catch (TrackerException)
            {
            }
        }, iter: 300, threads: 1);
    }
}
