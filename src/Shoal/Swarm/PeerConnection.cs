using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// One established peer connection (after the handshake): a receive loop decoding messages straight from
/// the socket's pipe, and a send loop draining a queue of small message records. Torrent-wide decisions
/// (what to request, whom to unchoke) are the session's; this class keeps the per-peer protocol state.
/// Fields marked "session lock" are read and written only under <see cref="TorrentSession.Sync"/>.
/// </summary>
internal sealed partial class PeerConnection : IPickerPeer, IChokeCandidate
{
    private const int ReceiveBufferSize = 256 * 1024;

    private readonly TorrentSession _session;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();

    public PeerConnection(TorrentSession session, Stream stream, IPEndPoint remote, byte[] peerId, ReservedBits reserved, bool incoming)
    {
        _session = session;
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReceiveBufferSize, minimumReadSize: ReceiveBufferSize / 4));
        RemoteEndPoint = remote;
        PeerId = peerId;
        Reserved = reserved;
        IsIncoming = incoming;
        Have = new Bitfield(session.Info.PieceCount);
        DownloadRate = new RateMeter(session.Time);
        UploadRate = new RateMeter(session.Time);
        long now = session.Time.GetTimestamp();
        ConnectedAt = now;
        LastReceived = now;
        LastSent = now;
        LastBlockReceived = now;
    }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Where the peer accepts connections: its outgoing endpoint, or the port from its extension handshake.</summary>
    public IPEndPoint? ListenEndPoint => IsIncoming
        ? (Extensions?.ListenPort is int port ? new IPEndPoint(RemoteEndPoint.Address, port) : null)
        : RemoteEndPoint;

    public byte[] PeerId { get; }

    public ReservedBits Reserved { get; }

    public bool IsIncoming { get; }

    public bool SupportsFast => Reserved.SupportsFastExtension;

    public string ClientName => Extensions?.ClientName ?? Wire.PeerId.Describe(PeerId);

    /// <summary>Pieces the peer has (session lock).</summary>
    public Bitfield Have { get; private set; }

    public ExtensionHandshake? Extensions { get; private set; }

    // Choke/interest state, all four under the session lock.
    public bool AmChoking { get; set; } = true;
    public bool AmInterested { get; set; }
    public bool PeerChoking { get; set; } = true;
    public bool PeerInterested { get; set; }

    /// <summary>Our outstanding requests to this peer (session lock).</summary>
    public RequestQueue Requests { get; } = new();

    public RateMeter DownloadRate { get; }

    public RateMeter UploadRate { get; }

    public long ConnectedAt { get; }

    public long LastReceived { get; private set; }

    public long LastSent { get; private set; }

    public long LastBlockReceived { get; private set; }

    /// <summary>Unchoked us, but sent nothing we asked for in a long time; not trusted with requests (session lock).</summary>
    public bool IsSnubbed { get; set; }

    /// <summary>Pieces this peer contributed to that failed verification (session lock).</summary>
    public int HashFailures { get; set; }

    /// <summary>Pieces the peer lets us fetch while choked (BEP 6).</summary>
    public HashSet<int> AllowedFastForUs { get; } = [];

    /// <summary>The optimistic unchoke currently held by this peer (session lock).</summary>
    public bool IsOptimistic { get; set; }

    public bool IsSeed => Have.IsComplete;

    public bool IsClosed => _closing.IsCancellationRequested;

    /// <summary>Pieces the peer has that we still lack (session lock): we are interested while this is positive.</summary>
    public int WantedPieces { get; set; }

    public double RateFor(bool seeding) => seeding ? UploadRate.BytesPerSecond : DownloadRate.BytesPerSecond;

    public bool HasRequested(int piece, int begin) => Requests.Contains(piece, begin);

    /// <summary>Runs both loops until the connection ends; never throws.</summary>
    public async Task RunAsync()
    {
        var ct = _closing.Token;
        var send = SendLoopAsync(ct);
        string reason = "connection closed";
        try
        {
            SendGreeting();
            await ReceiveLoopAsync(ct).ConfigureAwait(false);
        }
        catch (WireProtocolException ex) { reason = ex.Message; }
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
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception) { /* the transport is gone either way */ }
        }
    }

    public string? CloseReason { get; private set; }

    /// <summary>Ends the connection (idempotent): both loops stop, the socket is closed.</summary>
    public void Close(string reason)
    {
        CloseReason ??= reason;
        if (_closing.IsCancellationRequested) return;
        _closing.Cancel();
        _outbox.Writer.TryComplete();
        try { _stream.Dispose(); } catch (IOException) { }
    }

    public void Enqueue(in Outgoing message) => _outbox.Writer.TryWrite(message);

    public override string ToString() => $"{RemoteEndPoint} ({ClientName})";
}
