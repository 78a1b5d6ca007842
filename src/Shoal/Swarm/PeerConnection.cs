using System.IO.Pipelines;
using System.Net;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// One established peer connection (after the handshake): its receive loop decodes messages straight from the
/// transport's pipe and hands them to the torrent (<see cref="IPeerEvents"/>); its send loop drains the byte-bounded
/// <see cref="Outbox"/> and the queue of blocks the peer asked for. It also holds the per-peer protocol state (choke and
/// interest flags, availability, our requests to it); that state changes only through the methods here, called by
/// the torrent under its lock, and is read-only to everyone else.
/// </summary>
internal sealed partial class PeerConnection : IPickerPeer, IChokeCandidate, IExtensionPeer
{
    private const int ReceiveBufferSize = 256 * 1024;

    private readonly TransportConnection _connection;
    private readonly IPeerEvents _events;
    private readonly PeerLimits _limits;
    private readonly PipeReader _reader;
    private readonly Outbox _outbox;
    private readonly CancellationTokenSource _closing = new();
    private int? _listenPort;
    private bool _isOptimistic;

    public PeerConnection(TransportConnection connection, byte[] peerId, ReservedBits reserved, IPeerEvents events, PeerLimits limits)
    {
        _connection = connection;
        _events = events;
        _limits = limits;
        _reader = PipeReader.Create(connection.Stream, new StreamPipeReaderOptions(bufferSize: ReceiveBufferSize, minimumReadSize: ReceiveBufferSize / 4));
        _outbox = new Outbox(limits.MaxOutboxBytes);
        PeerId = peerId;
        Reserved = reserved;
        DownloadRate = new RateMeter(limits.Time);
        UploadRate = new RateMeter(limits.Time);
        long now = limits.Time.GetTimestamp();
        ConnectedAt = now;
        LastReceived = now;
        LastSent = now;
        LastBlockReceived = now;
    }

    public IPEndPoint RemoteEndPoint => _connection.RemoteEndPoint;

    /// <summary>Where the peer accepts connections: the address we dialled, or the port its first extension handshake gave.</summary>
    public IPEndPoint? ListenEndPoint => IsIncoming
        ? (_listenPort is int port ? new IPEndPoint(RemoteEndPoint.Address, port) : null)
        : RemoteEndPoint;

    public byte[] PeerId { get; }

    public ReservedBits Reserved { get; }

    /// <summary>
    /// The 20-byte info-hash this connection's handshake used: the torrent's own, or a hybrid's truncated v2 hash for a
    /// peer met in its v2 swarm. What is derived from "the info-hash" per connection (BEP 6's allowed-fast set) uses it.
    /// </summary>
    public required InfoHash SwarmHash { get; init; }

    public bool IsIncoming => _connection.IsIncoming;

    public TransportKind Transport => _connection.Kind;

    public bool IsEncrypted => _connection.IsEncrypted;

    public bool IsObfuscated => _connection.IsObfuscated;

    public bool SupportsFast => Reserved.SupportsFastExtension;

    public string ClientName => RemoteExtensions?.ClientName ?? Wire.PeerId.Describe(PeerId);

    public ExtensionHandshake? RemoteExtensions { get; private set; }

    /// <summary>What the peer has; known in full once the torrent's piece count is.</summary>
    public PeerAvailability Availability { get; } = new();

    /// <summary>The peer's pieces (only once the piece count is known).</summary>
    public Bitfield Have => Availability.Bits ?? throw new InvalidOperationException("the piece count is not known yet");

    public bool IsSeed => Availability.IsSeed;

    // Choke and interest, both directions.
    public bool AmChoking { get; private set; } = true;
    public bool AmInterested { get; private set; }
    public bool PeerChoking { get; private set; } = true;
    public bool PeerInterested { get; private set; }

    /// <summary>Our outstanding requests to this peer.</summary>
    public RequestQueue Requests { get; } = new();

    public RateMeter DownloadRate { get; }

    public RateMeter UploadRate { get; }

    public long ConnectedAt { get; }

    public long LastReceived { get; private set; }

    public long LastSent { get; private set; }

    public long LastBlockReceived { get; private set; }

    /// <summary>When the peer last choked us (its unchokes within a second of it wait for the next tick).</summary>
    public long? LastChokedUs { get; set; }

    /// <summary>Unchoked us, but sent nothing we asked for in a long time; not trusted with requests.</summary>
    public bool IsSnubbed { get; private set; }

    /// <summary>Pieces with this peer's blocks that failed verification.</summary>
    public int HashFailures { get; private set; }

    /// <summary>Pieces the peer lets us fetch while choked (BEP 6), at most 64.</summary>
    public IReadOnlySet<int> AllowedFastForUs => _allowedFast;

    private readonly HashSet<int> _allowedFast = [];

    /// <summary>Pieces the peer has that we still lack: we are interested while this is positive.</summary>
    public int WantedPieces { get; private set; }

    public bool IsClosed => _closing.IsCancellationRequested;

    public string? CloseReason { get; private set; }

    /// <summary>The connection was closed for breaking the protocol.</summary>
    public bool ClosedForViolation { get; private set; }

    bool IChokeCandidate.IsOptimistic { get => _isOptimistic; set => _isOptimistic = value; }

    public bool IsOptimistic => _isOptimistic;

    public double RateFor(bool seeding) => seeding ? UploadRate.BytesPerSecond : DownloadRate.BytesPerSecond;

    public bool HasRequested(int piece, int begin) => Requests.Contains(piece, begin);

    // State changes, called by the torrent under its lock.
    public void SetPeerChoking(bool choking) => PeerChoking = choking;
    public void SetPeerInterested(bool interested) => PeerInterested = interested;
    public void SetAmChoking(bool choking) => AmChoking = choking;
    public void SetAmInterested(bool interested) => AmInterested = interested;
    public void SetWantedPieces(int count) => WantedPieces = count;
    public void Snub() => IsSnubbed = true;
    public void Unsnub() => IsSnubbed = false;
    public int CountHashFailure() => ++HashFailures;

    public void AllowFast(int piece)
    {
        if (_allowedFast.Count < 64) _allowedFast.Add(piece);
    }

    /// <summary>The peer's extension handshake; its listen port is taken from the first one only.</summary>
    public void SetRemoteExtensions(ExtensionHandshake handshake)
    {
        RemoteExtensions = handshake;
        _listenPort ??= handshake.ListenPort;
    }

    /// <summary>Bytes of control messages waiting to be sent.</summary>
    public long QueuedBytes => _outbox.Bytes;

    /// <summary>Queues a control message; a peer whose queue overflows does not read, and is disconnected.</summary>
    public void Send(in Outgoing message)
    {
        if (!_outbox.TryEnqueue(message) && !IsClosed) Close($"send queue over {_limits.MaxOutboxBytes} bytes: the peer does not read");
    }

    /// <summary>Announces a piece; HAVEs wait in a bitfield, so they never overflow the send queue (see <see cref="Outbox"/>).</summary>
    public void SendHave(int piece, int pieceCount) => _outbox.EnqueueHave(piece, pieceCount);

    public bool SendExtended(string name, byte[] payload)
    {
        if (RemoteExtensions?.Extensions.GetValueOrDefault(name) is not (> 0 and var id)) return false;
        Send(new Outgoing(MessageId.Extended, Index: id, Payload: payload));
        return true;
    }

    /// <summary>Runs both loops until the connection ends; never throws.</summary>
    public async Task RunAsync()
    {
        var ct = _closing.Token;
        var send = SendLoopAsync(ct);
        string reason = "connection closed";
        try
        {
            await ReceiveLoopAsync(ct).ConfigureAwait(false);
        }
        catch (WireProtocolException ex)
        {
            reason = ex.Message;
            ClosedForViolation = true;
        }
        catch (OperationCanceledException) { reason = CloseReason ?? "closed"; }
        catch (IOException ex) { reason = ex.Message; }
        catch (ObjectDisposedException) { reason = CloseReason ?? "closed"; }
        catch (Exception ex)
        {
            // A bug or an exotic transport failure must cost this connection only, never the torrent.
            reason = $"unexpected {ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            CloseReason ??= reason;
            Close(CloseReason);
            try { await send.ConfigureAwait(false); } catch (Exception) { /* already closing */ }
            try
            {
                await _reader.CompleteAsync().ConfigureAwait(false);
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception) { /* the transport is gone either way */ }
        }
    }

    /// <summary>Closed for an attack (not a mere protocol slip): its address is banned for the torrent as it leaves.</summary>
    public bool ClosedAsHostile { get; private set; }

    /// <summary>Ends the connection of a peer caught attacking; the torrent bans its address.</summary>
    public void CloseAsHostile(string reason)
    {
        if (!IsClosed) ClosedAsHostile = true;
        Close(reason);
    }

    /// <summary>Ends the connection (idempotent): both loops stop, the transport is closed.</summary>
    public void Close(string reason)
    {
        CloseReason ??= reason;
        if (_closing.IsCancellationRequested) return;
        _closing.Cancel();
        _outbox.Close();
        try { _connection.Stream.Dispose(); } catch (IOException) { }
    }

    public override string ToString() => $"{RemoteEndPoint} ({ClientName})";
}

/// <summary>What every connection of an engine shares: the clock, the rate limits, the bounds.</summary>
internal sealed record PeerLimits(TimeProvider Time, TokenBucket Download, TokenBucket Upload, int MaxOutboxBytes, int MaxQueuedRequests);
