using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Shoal.TrackerLoad;

/// <summary>
/// HTTP announce load over raw sockets (an HttpClient would be the bottleneck): <c>connections</c> concurrent loops,
/// each reusing its connection (keep-alive) or opening a new one per request (Connection: close).
/// An answer counts when it is "200" with a bencoded body that is not a failure.
/// </summary>
internal static class HttpLoad
{
    public static async Task<LoadResult> RunAsync(IPEndPoint target, int torrents, int peers, int connections, bool keepAlive, TimeSpan duration)
    {
        long done = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, connections).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed + 1);
            var request = new byte[1024];
            var response = new byte[16 * 1024];
            Socket? socket = null;
            try
            {
                while (clock.Elapsed < duration)
                {
                    try
                    {
                        if (socket is null)
                        {
                            socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                            await socket.ConnectAsync(target);
                        }
                        int length = WriteRequest(request, target, random.Next(torrents), random.Next(peers), keepAlive);
                        await socket.SendAsync(request.AsMemory(0, length));
                        bool ok = await ReadResponseAsync(socket, response, keepAlive);
                        if (ok) Interlocked.Increment(ref done);
                        else Interlocked.Increment(ref errors);
                        if (!keepAlive || !ok)
                        {
                            socket.Dispose();
                            socket = null;
                        }
                    }
                    catch (SocketException)
                    {
                        Interlocked.Increment(ref errors);
                        socket?.Dispose();
                        socket = null;
                    }
                }
            }
            finally
            {
                socket?.Dispose();
            }
        })).ToArray();
        await Task.WhenAll(loops);
        return new LoadResult(done, clock.Elapsed.TotalSeconds, errors);
    }

    private static int WriteRequest(byte[] buffer, IPEndPoint target, int torrent, int peer, bool keepAlive)
    {
        Span<byte> hash = stackalloc byte[20];
        Span<byte> id = stackalloc byte[20];
        BenchData.InfoHash(torrent, hash);
        BenchData.PeerId(torrent, peer, id);
        var text = new StringBuilder(400);
        text.Append("GET /announce?info_hash=");
        Escape(text, hash);
        text.Append("&peer_id=");
        Escape(text, id);
        text.Append("&port=").Append(BenchData.Port(peer)).Append("&uploaded=0&downloaded=0&left=").Append(BenchData.Left(peer))
            .Append("&ip=").Append(BenchData.AddressText(torrent, peer))
            .Append("&compact=1&numwant=50 HTTP/1.1\r\nHost: ").Append(target).Append("\r\n")
            .Append(keepAlive ? "" : "Connection: close\r\n").Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString(), buffer);
    }

    private static void Escape(StringBuilder text, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (char.IsAsciiLetterOrDigit((char)b)) text.Append((char)b);
            else text.Append('%').Append(b.ToString("X2"));
        }
    }

    // Reads one response: headers, then Content-Length bytes (or to EOF without keep-alive).
    private static async Task<bool> ReadResponseAsync(Socket socket, byte[] buffer, bool keepAlive)
    {
        int filled = 0, headerEnd = -1, contentLength = -1;
        while (true)
        {
            if (filled == buffer.Length) return false;
            int read = await socket.ReceiveAsync(buffer.AsMemory(filled));
            if (read == 0) break;
            filled += read;
            if (headerEnd < 0)
            {
                headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
                if (headerEnd < 0) continue;
                headerEnd += 4;
                contentLength = ContentLength(buffer.AsSpan(0, headerEnd));
            }
            if (contentLength >= 0 && filled >= headerEnd + contentLength) break;
        }
        if (headerEnd < 0) return false;
        bool ok200 = buffer.AsSpan(0, 12).IndexOf(" 200"u8) >= 0;
        var body = buffer.AsSpan(headerEnd, filled - headerEnd);
        return ok200 && body.StartsWith("d8:complete"u8);
    }

    private static int ContentLength(ReadOnlySpan<byte> headers)
    {
        var text = Encoding.ASCII.GetString(headers);
        int at = text.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return -1;
        int end = text.IndexOf('\r', at);
        return int.TryParse(text.AsSpan(at + 15, end - at - 15).Trim(), out int length) ? length : -1;
    }
}
