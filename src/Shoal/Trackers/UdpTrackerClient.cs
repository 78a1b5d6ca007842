using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Shoal.Metainfo;
using Shoal.Trackers.Udp;

namespace Shoal.Trackers;

/// <summary>
/// A UDP tracker (BEP 15): one connected socket, one receive loop that hands each answer to the request waiting on
/// its transaction id, connection ids reused for their lifetime, and retransmission on a doubling, capped timeout.
/// </summary>
public sealed class UdpTrackerClient : ITrackerClient
{
    private const int MaxDatagram = 65_507;

    private readonly TrackerClientOptions _options;
    private readonly ConcurrentDictionary<uint, PendingRequest> _pending = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly SemaphoreSlim _socketGate = new(1, 1);
    private readonly Lock _connectionGate = new();
    private Socket? _socket;
    private int _stride;
    private ulong _connectionId;
    private long _connectionIdTimestamp;
    private bool _hasConnectionId;

    public UdpTrackerClient(Uri announceUrl, TrackerClientOptions options)
    {
        if (announceUrl.Scheme != "udp")
            throw new TrackerException(announceUrl, TrackerErrorKind.InvalidUrl, $"has scheme '{announceUrl.Scheme}', not udp");
        if (announceUrl.Port is < 1 or > ushort.MaxValue)
            throw new TrackerException(announceUrl, TrackerErrorKind.InvalidUrl, "has no port (udp://host:port/announce)");
        Uri = announceUrl;
        _options = options;
    }

    public Uri Uri { get; }

    /// <summary>The tracker address in use once the first request resolved it.</summary>
    public IPEndPoint? RemoteEndPoint { get; private set; }

    public async Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken ct)
    {
        request.Validate();
        var announce = UdpAnnounce.From(request);
        await EnsureSocketAsync(ct).ConfigureAwait(false);
        int stride = _stride, maxPeers = _options.MaxPeers;
        return await RequestAsync(
            UdpTrackerCodec.AnnounceRequestLength,
            (packet, connectionId) => UdpTrackerCodec.WriteAnnounceRequest(packet, connectionId, 0, in announce),
            (packet, uri) => UdpTrackerCodec.ReadAnnounceAnswer(packet, stride, maxPeers, uri),
            ct).ConfigureAwait(false);
    }

    public async Task<ScrapeResult?> ScrapeAsync(InfoHash hash, CancellationToken ct)
    {
        await EnsureSocketAsync(ct).ConfigureAwait(false);
        return await RequestAsync(
            UdpTrackerCodec.ScrapeRequestLength,
            (packet, connectionId) => UdpTrackerCodec.WriteScrapeRequest(packet, connectionId, 0, hash),
            UdpTrackerCodec.ReadScrapeAnswer,
            ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested) return;
        _disposed.Cancel();
        _socket?.Dispose();
        foreach (var pending in _pending.Values) pending.Fail(new ObjectDisposedException(nameof(UdpTrackerClient)));
        _pending.Clear();
    }

    private delegate void PacketWriter(Span<byte> packet, ulong connectionId);

    /// <summary>
    /// Runs one request to completion: obtains a connection id when none is fresh, sends, and retransmits on timeout.
    /// BEP 15 lets one timeout counter run across the connect and the request; so do we.
    /// </summary>
    private async Task<T> RequestAsync<T>(int length, PacketWriter write, ResponseParser<T> parse, CancellationToken ct)
    {
        var packet = new byte[Math.Max(length, UdpTrackerCodec.ConnectRequestLength)];
        var waited = TimeSpan.Zero;
        for (int attempt = 0; ; )
        {
            ulong? connectionId = FreshConnectionId();
            if (connectionId is null)
            {
                var timeout = TimeoutFor(attempt);
                UdpTrackerCodec.WriteConnectRequest(packet, 0);
                var connected = await ExchangeAsync(packet, UdpTrackerCodec.ConnectRequestLength, UdpTrackerCodec.ReadConnectAnswer, timeout, ct).ConfigureAwait(false);
                if (!connected.Answered)
                {
                    waited += timeout;
                    if (++attempt > _options.UdpRetries) throw NoAnswer(attempt, waited);
                    continue;
                }
                connectionId = StoreConnectionId(connected.Value);
            }

            var requestTimeout = TimeoutFor(attempt);
            write(packet, connectionId.Value);
            var answer = await ExchangeAsync(packet, length, parse, requestTimeout, ct).ConfigureAwait(false);
            if (answer.Answered) return answer.Value;
            // A restarted tracker silently drops ids it did not issue: get a new one rather than retransmit a dead one.
            ForgetConnectionId(connectionId.Value);
            waited += requestTimeout;
            if (++attempt > _options.UdpRetries) throw NoAnswer(attempt, waited);
        }
    }

    /// <summary>Sends one packet under a fresh transaction id and waits for its answer; Answered is false on timeout.</summary>
    private async Task<(bool Answered, T Value)> ExchangeAsync<T>(byte[] packet, int length, ResponseParser<T> parse, TimeSpan timeout, CancellationToken ct)
    {
        var pending = new PendingRequest<T>(parse, Uri);
        uint transactionId;
        do transactionId = NewTransactionId();
        while (!_pending.TryAdd(transactionId, pending));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(UdpTrackerCodec.RequestTransactionIdOffset), transactionId);
        try
        {
            try
            {
                await _socket!.SendAsync(packet.AsMemory(0, length), SocketFlags.None, ct).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw SocketFailure(e);
            }
            return (true, await pending.Task.WaitAsync(timeout, _options.TimeProvider, ct).ConfigureAwait(false));
        }
        catch (TimeoutException)
        {
            return (false, default!);
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<uint, PendingRequest>(transactionId, pending));
        }
    }

    private TimeSpan TimeoutFor(int attempt)
    {
        var timeout = _options.UdpTimeout * Math.Pow(2, Math.Min(attempt, 8));
        return timeout < _options.UdpMaxTimeout ? timeout : _options.UdpMaxTimeout;
    }

    private ulong? FreshConnectionId()
    {
        lock (_connectionGate)
        {
            if (!_hasConnectionId) return null;
            if (_options.TimeProvider.GetElapsedTime(_connectionIdTimestamp) >= _options.UdpConnectionIdLifetime)
            {
                _hasConnectionId = false;
                return null;
            }
            return _connectionId;
        }
    }

    private ulong StoreConnectionId(ulong connectionId)
    {
        lock (_connectionGate)
        {
            _connectionId = connectionId;
            _connectionIdTimestamp = _options.TimeProvider.GetTimestamp();
            _hasConnectionId = true;
        }
        return connectionId;
    }

    private void ForgetConnectionId(ulong connectionId)
    {
        lock (_connectionGate)
        {
            if (_hasConnectionId && _connectionId == connectionId) _hasConnectionId = false;
        }
    }

    private static uint NewTransactionId()
    {
        // Unpredictable, so that an off-path sender cannot forge answers.
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt32(bytes);
    }

    private async Task EnsureSocketAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (Volatile.Read(ref _socket) is not null) return;
        await _socketGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_socket is not null) return;
            var address = await ResolveAsync(ct).ConfigureAwait(false);
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                // Connecting a UDP socket sends nothing; it filters out datagrams from anyone but the tracker
                // and lets the kernel report "port unreachable" back to us.
                socket.Connect(new IPEndPoint(address, Uri.Port));
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw SocketFailure(e);
            }
            _stride = address.AddressFamily == AddressFamily.InterNetworkV6 ? CompactPeers.IPv6Stride : CompactPeers.IPv4Stride;
            // Room for one peer more than we keep, so a longer answer is cut (by the kernel) only past what we use.
            long peerRoom = Math.Max(_options.MaxPeers + 1L, 32) * _stride;
            int bufferSize = (int)Math.Min(MaxDatagram, UdpTrackerCodec.AnnounceAnswerHeaderLength + peerRoom);
            RemoteEndPoint = new IPEndPoint(address, Uri.Port);
            Volatile.Write(ref _socket, socket);
            if (_disposed.IsCancellationRequested)
            {
                socket.Dispose(); // Dispose ran while we were resolving
                throw new ObjectDisposedException(nameof(UdpTrackerClient));
            }
            _ = Task.Run(() => ReceiveLoopAsync(socket, new byte[bufferSize]), CancellationToken.None);
        }
        finally
        {
            _socketGate.Release();
        }
    }

    private async Task<IPAddress> ResolveAsync(CancellationToken ct)
    {
        var host = Uri.IdnHost;
        if (IPAddress.TryParse(host, out var literal)) return literal;
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new TrackerException(Uri, TrackerErrorKind.Unreachable, $"is unreachable: its host name could not be resolved ({e.SocketErrorCode})", e);
        }
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6)
            ?? throw new TrackerException(Uri, TrackerErrorKind.Unreachable, "is unreachable: its host name has no IP address");
    }

    private async Task ReceiveLoopAsync(Socket socket, byte[] buffer)
    {
        var stop = _disposed.Token;
        while (!stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                // The kernel relays an ICMP error for an earlier send: nobody is listening. Fail fast instead of waiting out timeouts.
                FailAll(SocketFailure(e));
                continue;
            }
            catch (SocketException)
            {
                continue; // e.g. a datagram larger than any answer we accept: drop it, the request will time out.
            }
            var packet = buffer.AsSpan(0, received);
            if (received == buffer.Length)
            {
                // The kernel cut a longer datagram to our buffer: keep only whole peer entries.
                int header = UdpTrackerCodec.AnnounceAnswerHeaderLength;
                packet = packet[..(header + (received - header) / _stride * _stride)];
            }
            Dispatch(packet);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> packet)
    {
        if (!UdpTrackerCodec.TryReadAnswerHeader(packet, out _, out uint transactionId)) return;
        if (_pending.TryRemove(transactionId, out var pending)) pending.Complete(packet);
    }

    private void FailAll(Exception error)
    {
        foreach (var (transactionId, pending) in _pending)
            if (_pending.TryRemove(new KeyValuePair<uint, PendingRequest>(transactionId, pending))) pending.Fail(error);
    }

    private TrackerException SocketFailure(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused or SocketError.ConnectionReset =>
            new TrackerException(Uri, TrackerErrorKind.Unreachable, $"is unreachable: nothing answers on UDP port {Uri.Port} (port unreachable)", e),
        _ => new TrackerException(Uri, TrackerErrorKind.Unreachable, $"is unreachable: {e.Message}", e),
    };

    private TrackerException NoAnswer(int attempts, TimeSpan waited) =>
        new(Uri, TrackerErrorKind.Timeout, $"did not answer ({attempts} {(attempts == 1 ? "attempt" : "attempts")} over {Durations.Format(waited)})");
}
