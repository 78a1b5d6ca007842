using System.Buffers;
using System.Net;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>The fetching half of <see cref="MetadataExchange"/>: all of it under its lock.</summary>
internal sealed partial class MetadataExchange
{
    /// <summary>What fetching knows of one peer.</summary>
    private sealed class FetchState(long since)
    {
        public long Since { get; } = since;
        public int? MetadataSize { get; set; }
        public int RequestsFromPeer { get; set; }
        /// <summary>Not asked for metadata before this time (it rejected, or sat on a request).</summary>
        public long NotBefore { get; set; }
    }

    private readonly Dictionary<IExtensionPeer, FetchState> _peers = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<IPEndPoint, int> _strikes = [];
    private MetadataAssembler<IExtensionPeer>? _assembler;
    private int _failedAttempts;
    // After a mixed-source attempt failed verification, pieces come from one peer at a time, so a liar is found.
    private bool _singleSource;
    private IExtensionPeer? _designated;

    /// <summary>How the fetch is going (the torrent adds the peer counts).</summary>
    public (int PeersWithMetadata, long ReceivedBytes, long? TotalBytes, int FailedAttempts) FetchProgress
    {
        get
        {
            lock (_sync) return (_peers.Values.Count(p => p.MetadataSize is not null), _assembler?.ReceivedBytes ?? 0, _assembler?.Size, _failedAttempts);
        }
    }

    private FetchState Fetching(IExtensionPeer peer)
    {
        if (!_peers.TryGetValue(peer, out var state)) _peers[peer] = state = new FetchState(_host.Time.GetTimestamp());
        return state;
    }

    private void OfferedBy(IExtensionPeer peer, int size)
    {
        Fetching(peer).MetadataSize = size;
        _assembler ??= new MetadataAssembler<IExtensionPeer>(size);
        Pump(peer);
    }

    private void Rejected(IExtensionPeer peer, int piece)
    {
        _assembler?.Release(peer, piece);
        Fetching(peer).NotBefore = _host.Time.GetTimestamp() + Ticks(RejectBackoff);
        if (ReferenceEquals(_designated, peer)) _designated = null;
        PumpAll();
    }

    private (MetadataAssembler<IExtensionPeer>? Completed, string? Ban) Received(IExtensionPeer peer, MetadataMessage message, ReadOnlySequence<byte> data)
    {
        if (_server is not null || _assembler is null || Fetching(peer).MetadataSize != _assembler.Size) return (null, null);
        switch (_assembler.Accept(peer, message.Piece, message.TotalSize, data))
        {
            case MetadataAcceptOutcome.Invalid:
                _assembler.Forget(peer);
                return (null, $"sent {message} with {data.Length} bytes for metadata of {_assembler.Size} bytes");
            case MetadataAcceptOutcome.Completed:
                return (_assembler, null);
            case MetadataAcceptOutcome.Accepted:
                Pump(peer);
                break;
        }
        return (null, null);
    }

    private void Forget(IExtensionPeer peer)
    {
        _peers.Remove(peer);
        _assembler?.Forget(peer);
        if (ReferenceEquals(_designated, peer)) _designated = null;
        PumpAll();
    }

    private void ReassignLate(long now)
    {
        if (_server is not null || _assembler is null) return;
        foreach (var late in _assembler.PeersLateSince(now - Ticks(_settings.MetadataRequestTimeout)))
        {
            _assembler.Forget(late);
            Fetching(late).NotBefore = now + Ticks(RejectBackoff);
            if (ReferenceEquals(_designated, late)) _designated = null;
        }
        FollowTheAskableSize();
        PumpAll();
    }

    /// <summary>
    /// The size the fetch was started with came from a peer nobody else agrees with and that no longer answers (a liar
    /// about <c>metadata_size</c>): start over with the size most peers that can still be asked agree on.
    /// </summary>
    private void FollowTheAskableSize()
    {
        if (_assembler is not { ReceivedBytes: 0 } current || _peers.Keys.Any(CanServe)) return;
        long now = _host.Time.GetTimestamp();
        var size = _peers.Values.Where(p => p.MetadataSize is not null && p.NotBefore <= now)
            .GroupBy(p => p.MetadataSize!.Value).OrderByDescending(g => g.Count()).Select(g => (int?)g.Key).FirstOrDefault();
        if (size is int s && s != current.Size) _assembler = new MetadataAssembler<IExtensionPeer>(s);
    }

    /// <summary>All pieces are in but they do not hash to the info-hash: blame their senders and start over. Returns who to ban.</summary>
    private List<IExtensionPeer> Mismatched(MetadataAssembler<IExtensionPeer> assembler)
    {
        if (!ReferenceEquals(_assembler, assembler)) return [];
        _failedAttempts++;
        var contributors = assembler.Contributors;
        List<IExtensionPeer> liars = [];
        foreach (var peer in contributors)
        {
            _strikes[peer.RemoteEndPoint] = _strikes.GetValueOrDefault(peer.RemoteEndPoint) + 1;
            // A sole source is certainly lying; with several, one at a time from now on tells who.
            if (contributors.Count == 1) liars.Add(peer);
        }
        foreach (var liar in liars) _peers.Remove(liar);
        _singleSource = true;
        _designated = null;
        // Start over with the size most remaining peers agree on (a liar may have lied about the size too).
        var size = _peers.Values.Where(p => p.MetadataSize is not null)
            .GroupBy(p => p.MetadataSize!.Value).OrderByDescending(g => g.Count()).Select(g => (int?)g.Key).FirstOrDefault();
        _assembler = size is int s ? new MetadataAssembler<IExtensionPeer>(s) : null;
        PumpAll();
        return liars;
    }

    private void EndFetch()
    {
        _assembler = null;
        _designated = null;
        _peers.Clear();
    }

    /// <summary>Keeps a peer's metadata requests topped up.</summary>
    private void Pump(IExtensionPeer peer)
    {
        if (_assembler is null || !CanServe(peer)) return;
        if (_singleSource && !ReferenceEquals(peer, Designated())) return;
        long now = _host.Time.GetTimestamp();
        while (_assembler.OutstandingFor(peer) < _settings.MetadataRequestsPerPeer && _assembler.TryAssign(peer, now, out int piece))
            peer.SendExtended(Name, MetadataMessage.EncodeRequest(piece));
    }

    private void PumpAll()
    {
        foreach (var peer in _peers.Keys.ToList()) Pump(peer);
    }

    private bool CanServe(IExtensionPeer peer) =>
        _peers.TryGetValue(peer, out var state) && state.MetadataSize == _assembler?.Size && state.NotBefore <= _host.Time.GetTimestamp();

    /// <summary>In single-source mode, the peer the current attempt comes from; a new one restarts the attempt.</summary>
    private IExtensionPeer? Designated()
    {
        if (_designated is not null && CanServe(_designated)) return _designated;
        _designated = _peers.Where(p => CanServe(p.Key)).OrderBy(p => _strikes.GetValueOrDefault(p.Key.RemoteEndPoint)).ThenBy(p => p.Value.Since)
            .Select(p => p.Key).FirstOrDefault();
        if (_designated is not null && _assembler is { ReceivedBytes: > 0 } old) _assembler = new MetadataAssembler<IExtensionPeer>(old.Size);
        return _designated;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _host.Time.TimestampFrequency);
}
