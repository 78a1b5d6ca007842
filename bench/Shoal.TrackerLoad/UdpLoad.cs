using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Shoal.TrackerLoad;

/// <summary>
/// BEP 15 load: keeps <c>inflight</c> announces outstanding per socket (one blocking thread each, a fresh request for
/// every answer). With connect-each, every announce is preceded by its own connect, as a client with no cached id does.
/// </summary>
internal sealed class UdpLoad(IPEndPoint target, int torrents, int peers, int inflight, bool connectEach)
{
    private const long ProtocolId = 0x41727101980;
    private static readonly TimeSpan ConnectionIdLife = TimeSpan.FromSeconds(50);

    public LoadResult Run(TimeSpan duration, int threads)
    {
        var results = new LoadResult[threads];
        var workers = Enumerable.Range(0, threads)
            .Select(i => new Thread(() => results[i] = Worker(duration, seed: i + 1)) { IsBackground = true }).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        return new LoadResult(results.Sum(r => r.Requests), results.Max(r => r.Seconds), results.Sum(r => r.Errors), results.Sum(r => r.Timeouts));
    }

    private LoadResult Worker(TimeSpan duration, int seed)
    {
        using var socket = Open(target);
        var random = new Random(seed);
        var send = new byte[98];
        var receive = new byte[4096];
        long connectionId = ConnectBlocking(socket);
        var idAge = Stopwatch.StartNew();
        long done = 0, errors = 0, timeouts = 0;
        int tx = 0;

        void Next()
        {
            if (connectEach || idAge.Elapsed > ConnectionIdLife)
            {
                socket.Send(WriteConnect(send, ++tx));
                return;
            }
            SendAnnounce(socket, send, connectionId, ++tx, random.Next(torrents), random.Next(peers), numWant: 50, eventCode: 0);
        }

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < inflight; i++) Next();
        while (clock.Elapsed < duration)
        {
            int length;
            try
            {
                length = socket.Receive(receive);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                // Datagrams were lost: put the window back.
                timeouts++;
                for (int i = 0; i < inflight; i++) Next();
                continue;
            }
            int action = length >= 8 ? BinaryPrimitives.ReadInt32BigEndian(receive) : -1;
            if (action == 0 && length >= 16)
            {
                connectionId = BinaryPrimitives.ReadInt64BigEndian(receive.AsSpan(8));
                idAge.Restart();
                SendAnnounce(socket, send, connectionId, ++tx, random.Next(torrents), random.Next(peers), numWant: 50, eventCode: 0);
                continue;
            }
            if (action == 1) done++;
            else errors++;
            Next();
        }
        return new LoadResult(done, clock.Elapsed.TotalSeconds, errors, timeouts);
    }

    /// <summary>Announces every synthetic peer once (event started), keeping a window of requests in flight.</summary>
    public static LoadResult Preload(IPEndPoint target, int torrents, int peers)
    {
        using var socket = Open(target);
        var send = new byte[98];
        var receive = new byte[4096];
        long connectionId = ConnectBlocking(socket);
        var idAge = Stopwatch.StartNew();
        long total = (long)torrents * peers, sent = 0, answered = 0, errors = 0;
        const int window = 256;
        var clock = Stopwatch.StartNew();
        void SendNext()
        {
            if (sent >= total) return;
            int torrent = (int)(sent / peers), peer = (int)(sent % peers);
            SendAnnounce(socket, send, connectionId, (int)sent, torrent, peer, numWant: 0, eventCode: 2);
            sent++;
        }
        for (int i = 0; i < window; i++) SendNext();
        while (answered + errors < sent)
        {
            if (idAge.Elapsed > ConnectionIdLife)
            {
                connectionId = ConnectBlocking(socket);
                idAge.Restart();
            }
            try
            {
                int length = socket.Receive(receive);
                if (length >= 8 && BinaryPrimitives.ReadInt32BigEndian(receive) == 1) answered++;
                else errors++;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                errors += sent - answered - errors; // count the lost window and carry on
                for (int i = 0; i < window; i++) SendNext();
                continue;
            }
            SendNext();
        }
        return new LoadResult(answered, clock.Elapsed.TotalSeconds, errors);
    }

    private static Socket Open(IPEndPoint target)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = 8 << 20;
        socket.SendBufferSize = 8 << 20;
        socket.ReceiveTimeout = 500;
        socket.Connect(target);
        return socket;
    }

    private static long ConnectBlocking(Socket socket)
    {
        var send = new byte[16];
        var receive = new byte[4096];
        for (int attempt = 0; attempt < 20; attempt++)
        {
            socket.Send(WriteConnect(send, 0x7A7A0000 + attempt));
            try
            {
                while (true)
                {
                    int length = socket.Receive(receive);
                    if (length >= 16 && BinaryPrimitives.ReadInt32BigEndian(receive) == 0
                        && BinaryPrimitives.ReadInt32BigEndian(receive.AsSpan(4)) == 0x7A7A0000 + attempt)
                        return BinaryPrimitives.ReadInt64BigEndian(receive.AsSpan(8));
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
            }
        }
        throw new TimeoutException("the tracker did not answer UDP connect");
    }

    private static ReadOnlySpan<byte> WriteConnect(Span<byte> buffer, int tx)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer, ProtocolId);
        BinaryPrimitives.WriteInt32BigEndian(buffer[8..], 0);
        BinaryPrimitives.WriteInt32BigEndian(buffer[12..], tx);
        return buffer[..16];
    }

    private static void SendAnnounce(Socket socket, byte[] buffer, long connectionId, int tx, int torrent, int peer, int numWant, int eventCode)
    {
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, connectionId);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], 1);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], tx);
        BenchData.InfoHash(torrent, span[16..36]);
        BenchData.PeerId(torrent, peer, span[36..56]);
        BinaryPrimitives.WriteInt64BigEndian(span[56..], 0);
        BinaryPrimitives.WriteInt64BigEndian(span[64..], BenchData.Left(peer));
        BinaryPrimitives.WriteInt64BigEndian(span[72..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[80..], eventCode);
        BinaryPrimitives.WriteUInt32BigEndian(span[84..], BenchData.Address(torrent, peer));
        BinaryPrimitives.WriteUInt32BigEndian(span[88..], (uint)(torrent * 31 + peer));
        BinaryPrimitives.WriteInt32BigEndian(span[92..], numWant);
        BinaryPrimitives.WriteUInt16BigEndian(span[96..], BenchData.Port(peer));
        socket.Send(span[..98]);
    }
}
