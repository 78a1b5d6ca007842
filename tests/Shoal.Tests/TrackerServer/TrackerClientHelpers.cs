using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Bencoding;
using Shoal.Metainfo;

namespace Shoal.Tests.TrackerServer;

/// <summary>Minimal tracker-client plumbing for tests: URL building, bencode answers, BEP 15 exchanges.</summary>
internal static class TrackerClientHelpers
{
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~') text.Append((char)b);
            else text.Append('%').Append(b.ToString("X2"));
        }
        return text.ToString();
    }

    public static string AnnounceUrl(string baseUrl, InfoHash hash, string peerId, int port, long left, string extra = "") =>
        $"{baseUrl}?info_hash={Escape(hash.Span)}&peer_id={Escape(Encoding.ASCII.GetBytes(peerId))}&port={port}" +
        $"&uploaded=0&downloaded=0&left={left}{extra}";

    public static async Task<BDictionary> GetBencodedAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        return Assert.IsType<BDictionary>(BValue.Parse(body));
    }

    public static string? FailureReason(BDictionary answer) => answer.Get<BString>("failure reason")?.Text;

    /// <summary>Sends a datagram and waits (bounded) for the answer.</summary>
    public static async Task<byte[]> ExchangeAsync(UdpClient udp, byte[] packet, TimeSpan? timeout = null)
    {
        await udp.SendAsync(packet, TestContext.Current.CancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(5));
        var result = await udp.ReceiveAsync(cts.Token);
        return result.Buffer;
    }

    public static async Task<long> UdpConnectAsync(UdpClient udp)
    {
        var answer = await ExchangeAsync(udp, UdpRequestHandlerTests.Connect(42));
        Assert.Equal(16, answer.Length);
        Assert.Equal(42, BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(4)));
        return BinaryPrimitives.ReadInt64BigEndian(answer.AsSpan(8));
    }
}
