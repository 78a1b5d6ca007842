using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CsCheck;
using Shoal.Bencoding;
using Shoal.TrackerServer;
using static Shoal.Tests.TrackerServer.TrackerClientHelpers;

namespace Shoal.Tests.TrackerServer;

/// <summary>Random input at a live tracker: it never crashes and every answer is well-formed.</summary>
public class TrackerFuzzTests
{
    [Fact]
    public async Task Random_query_strings_at_announce_get_well_formed_bencode()
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0 },
            cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var valid = AnnounceUrl("", TrackerTestData.Hash(1), "-SH0001-aaaaaaaaaaaa", 7001, 0)[1..];
        // URL-safe characters (HttpClient would reject others before they left), biased towards tracker syntax.
        var chars = Gen.Char["%&=+0123456789abcdefABCDEF_infohaspertdlvwcmk-.~!*'();:@$,/?"];
        var queries = Gen.OneOf(
            Gen.String[chars, 0, 400],
            Gen.Select(Gen.String[chars, 0, 40], Gen.Int[0, valid.Length]).Select((noise, cut) => valid[..cut] + noise + valid[cut..]),
            Gen.String[chars, 0, 40].Select(noise => valid + "&" + noise));
        await queries.SampleAsync(async query =>
        {
            using var response = await http.GetAsync(tracker.HttpAnnounceUrl + "?" + query, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            var answer = Assert.IsType<BDictionary>(BValue.Parse(body));
            Assert.True(answer.ContainsKey("peers") ^ answer.ContainsKey("failure reason"), System.Text.Encoding.Latin1.GetString(body));
        }, iter: 400, threads: 2);
        Assert.True(tracker.Counters.BadRequests > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Random_datagrams_at_the_udp_port_never_break_it(bool batching)
    {
        // One receive loop keeps answers in request order, so a connect after each datagram fences its answer.
        await using var tracker = await TrackerHost.StartAsync(
            new TrackerOptions { Host = "127.0.0.1", Port = 0, UdpReceiveLoops = 1, UdpBatching = batching },
            cancellationToken: TestContext.Current.CancellationToken);
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        udp.Connect(tracker.UdpEndPoint);
        long connection = await UdpConnectAsync(udp);
        int fence = 1_000_000;
        await Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, 3], Gen.Bool).SampleAsync(async (bytes, action, validId) =>
        {
            if (validId && bytes.Length >= 16)
            {
                BinaryPrimitives.WriteInt64BigEndian(bytes, connection);
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), action);
            }
            await udp.SendAsync(bytes, TestContext.Current.CancellationToken);
            int tag = ++fence;
            var answers = new List<byte[]>();
            while (true)
            {
                var answer = await ExchangeAsync(udp, UdpRequestHandlerTests.Connect(tag));
                answers.Add(answer);
                if (answer.Length == 16 && BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(4)) == tag) break;
                // The answer to the random datagram came first; the fence's answer is still coming: read it.
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                var fenceAnswer = (await udp.ReceiveAsync(cts.Token)).Buffer;
                Assert.Equal(tag, BinaryPrimitives.ReadInt32BigEndian(fenceAnswer.AsSpan(4)));
                break;
            }
            Assert.True(answers.Count <= 2);
            if (answers.Count == 2)
            {
                var reply = answers[0];
                Assert.True(reply.Length >= 8);
                Assert.Equal(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12)), BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(4)));
                int replyAction = BinaryPrimitives.ReadInt32BigEndian(reply);
                Assert.True(replyAction switch
                {
                    0 => reply.Length == 16,
                    1 => reply.Length >= 20 && (reply.Length - 20) % 6 == 0,
                    2 => reply.Length > 8 && (reply.Length - 8) % 12 == 0,
                    3 => reply.Length > 8,
                    _ => false,
                }, $"malformed answer with action {replyAction}, {reply.Length} bytes");
            }
        }, iter: 1500, threads: 1);
        Assert.True(tracker.Counters.UdpDropped > 0);
    }
}
