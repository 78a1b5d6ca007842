using System.Buffers.Binary;
using System.Net;
using CsCheck;
using Shoal.Bencoding;
using Shoal.Trackers;
using Shoal.Trackers.Udp;

namespace Shoal.Tests.Trackers;

/// <summary>Whatever a tracker sends, the parsers either succeed within their bounds or throw a TrackerException — nothing else.</summary>
public class TrackerParserPropertyTests
{
    private static readonly Uri Http = new("http://127.0.0.1:1/announce");
    private static readonly Uri Udp = new("udp://127.0.0.1:1/announce");
    private static readonly TrackerClientOptions Options = new() { MaxPeers = 20 };

    private static readonly string[] Keys =
        ["complete", "downloaded", "failure reason", "files", "incomplete", "interval", "ip", "min interval", "peers", "peers6", "port", "tracker id", "warning message"];

    /// <summary>Random bencode trees built from the keys trackers use, so the fuzzing reaches past the bencode layer.</summary>
    private static readonly Gen<BValue> TrackerishValue = Gen.Recursive<BValue>((depth, self) =>
    {
        var leaf = Gen.OneOf<BValue>(
            Gen.Long[-5, 100_000].Select(v => (BValue)new BInteger(v)),
            Gen.Int[0, 5].SelectMany(n => Gen.Byte.Array[n * 6, n * 6 + 1]).Select(b => (BValue)new BString(b)),
            Gen.Byte.Array[0, 40].Select(b => (BValue)new BString(b)),
            Gen.OneOfConst("10.0.0.1", "::1", "host.example", "").Select(t => (BValue)new BString(t)));
        if (depth > 3) return leaf;
        var list = self.List[0, 4].Select(items => (BValue)new BList(items));
        var dict = Gen.Select(Gen.OneOfConst(Keys), self).List[0, 6].Select(pairs =>
        {
            var d = new BDictionary();
            foreach (var (key, value) in pairs) d.Add(key, value);
            return (BValue)d;
        });
        return Gen.Frequency((3, leaf), (1, list), (3, dict));
    });

    private static void OnlyTrackerExceptions(Action parse)
    {
        try
        {
            parse();
        }
        catch (TrackerException)
        {
        }
    }

    [Fact]
    public void Random_bytes_as_http_body_throw_only_tracker_exceptions() =>
        Gen.Byte.Array[0, 300].Sample(body =>
        {
            OnlyTrackerExceptions(() => HttpTrackerResponse.ParseAnnounce(body, Http, Options));
            OnlyTrackerExceptions(() => HttpTrackerResponse.ParseScrape(body, Http, TrackerTestData.AwkwardHash));
            _ = HttpTrackerResponse.TryReadFailureReason(body);
        }, iter: 20_000);

    [Fact]
    public void Random_tracker_shaped_dictionaries_parse_within_bounds_or_throw_tracker_exceptions() =>
        TrackerishValue.Sample(value =>
        {
            var body = value.Encode();
            try
            {
                var response = HttpTrackerResponse.ParseAnnounce(body, Http, Options).Response;
                Assert.True(response.Peers.Count <= Options.MaxPeers);
                Assert.True(response.Interval >= TimeSpan.Zero);
                Assert.All(response.Peers, p => Assert.InRange(p.Port, 1, 65535));
            }
            catch (TrackerException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
            OnlyTrackerExceptions(() => HttpTrackerResponse.ParseScrape(body, Http, TrackerTestData.AwkwardHash));
        }, iter: 20_000);

    [Fact]
    public void Random_udp_packets_throw_only_tracker_exceptions() =>
        Gen.Select(Gen.Byte.Array[0, 120], Gen.UInt[0, 4]).Sample((packet, action) =>
        {
            // Half the time give the packet a plausible action so the readers get past the header check.
            if (packet.Length >= 4 && action < 4) BinaryPrimitives.WriteUInt32BigEndian(packet, action);
            OnlyTrackerExceptions(() => UdpTrackerCodec.ReadConnectAnswer(packet, Udp));
            OnlyTrackerExceptions(() => UdpTrackerCodec.ReadScrapeAnswer(packet, Udp));
            foreach (int stride in new[] { 6, 18 })
            {
                try
                {
                    var response = UdpTrackerCodec.ReadAnnounceAnswer(packet, stride, Options.MaxPeers, Udp);
                    Assert.True(response.Peers.Count <= Options.MaxPeers);
                }
                catch (TrackerException)
                {
                }
            }
        }, iter: 20_000);

    [Fact]
    public void Percent_encoding_round_trips_any_bytes() =>
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            var builder = new System.Text.StringBuilder();
            HttpTrackerUrls.PercentEncode(builder, bytes);
            Assert.Equal(bytes, TrackerTestData.PercentDecode(builder.ToString()));
        });

    [Fact]
    public void Compact_peers_round_trip() =>
        Gen.Select(Gen.Byte.Array[4], Gen.Byte.Array[16], Gen.Int[1, 65535]).Sample((v4, v6, port) =>
        {
            var peers = new List<IPEndPoint> { new(new IPAddress(v4), port), new(new IPAddress(v6), port) };
            var buffer = new byte[24];
            int n4 = CompactPeers.Write(peers[0], buffer);
            int n6 = CompactPeers.Write(peers[1], buffer.AsSpan(n4));
            var parsed = new List<IPEndPoint>();
            Assert.True(CompactPeers.TryParse(buffer.AsSpan(0, n4), 6, parsed, 10));
            Assert.True(CompactPeers.TryParse(buffer.AsSpan(n4, n6), 18, parsed, 10));
            var expected = peers.Where(p => p.Address.GetAddressBytes().Any(b => b != 0)).ToList();
            Assert.Equal(expected, parsed);
        });
}
