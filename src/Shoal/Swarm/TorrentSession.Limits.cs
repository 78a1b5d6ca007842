using Shoal.Storage;

namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    /// <summary>This torrent's own upload cap (<see cref="TokenBucket.BytesPerSecond"/>, 0 = none), under the engine's.</summary>
    public TokenBucket UploadLimiter => _swarm.UploadLimiter;

    /// <summary>This torrent's own download cap, under the engine's.</summary>
    public TokenBucket DownloadLimiter => _swarm.DownloadLimiter;

    /// <summary>Whether the engine's (session-wide) limits apply to this torrent too, besides its own. On by default.</summary>
    public bool HonorsEngineLimits
    {
        get => _swarm.UploadLimiter.Parent is not null;
        set
        {
            _swarm.UploadLimiter.Parent = value ? Engine.UploadLimiter : null;
            _swarm.DownloadLimiter.Parent = value ? Engine.DownloadLimiter : null;
        }
    }

    /// <summary>
    /// Most peers connected at once (default <see cref="EngineSettings.MaxConnectionsPerTorrent"/>). Lowering it closes
    /// the excess at once, the peers moving the fewest bytes first.
    /// </summary>
    public int MaxConnections
    {
        get { lock (_swarm.Sync) return _swarm.MaxConnections; }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            lock (_swarm.Sync)
            {
                _swarm.MaxConnections = value;
                int excess = _swarm.Peers.Count(p => !p.IsClosed) - value;
                if (excess > 0)
                {
                    var slowest = _swarm.Peers.Where(p => !p.IsClosed)
                        .OrderBy(p => p.DownloadRate.BytesPerSecond + p.UploadRate.BytesPerSecond).Take(excess).ToList();
                    foreach (var peer in slowest) peer.Close("over the torrent's peer limit");
                }
            }
            _connections.ConnectMore();
        }
    }

    /// <summary>Per piece: -1 when we have it, else how many connected peers have it (Transmission's <c>availability</c>).
    /// Empty before storage is attached.</summary>
    public int[] GetAvailability()
    {
        lock (_swarm.Sync)
        {
            if (_swarm.Picker is not { } picker) return [];
            var counts = new int[picker.Have.Count];
            for (int piece = 0; piece < counts.Length; piece++) counts[piece] = picker.Have[piece] ? -1 : picker.PeersWith(piece);
            return counts;
        }
    }

    /// <summary>Pieces being downloaded or verified now (empty before storage is attached).</summary>
    public Bitfield SnapshotInFlight()
    {
        lock (_swarm.Sync) return _swarm.Picker?.InFlight() ?? new Bitfield(_swarm.Info?.PieceCount ?? 0);
    }
}
