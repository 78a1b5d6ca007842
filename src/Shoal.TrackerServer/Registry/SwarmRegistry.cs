using System.Buffers.Binary;
using System.Collections.Concurrent;
using Shoal.Metainfo;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// Every swarm the tracker knows, sharded by info-hash (one lock per shard, never held across I/O).
/// Peers live in packed per-swarm arrays (<see cref="PeerList{TAddress}"/>) and expire when they miss their re-announce:
/// <see cref="Sweep"/> runs periodically and drops peers silent for longer than the peer timeout.
/// Memory is bounded by <see cref="SwarmLimits"/>, always by dropping the least recently seen peers: a source over its
/// cap in a swarm loses its oldest peer, a full swarm its oldest sixteenth, a full registry its oldest sixteenth overall.
/// </summary>
public sealed partial class SwarmRegistry
{
    private const int ShardBits = 6;
    private const int ShardCount = 1 << ShardBits;

    private readonly Shard[] _shards;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly long _startUnixSeconds;
    private readonly ConcurrentQueue<InfoHash> _dirty = new();
    private int _torrentCount;
    private int _peerCount;
    private int _shedding;

    public SwarmRegistry(TimeSpan peerTimeout, TimeProvider? time = null, SwarmLimits? limits = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(peerTimeout, TimeSpan.Zero);
        Limits = limits ?? new SwarmLimits();
        Limits.Validate();
        PeerTimeout = peerTimeout;
        _time = time ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
        _startUnixSeconds = _time.GetUtcNow().ToUnixTimeSeconds();
        _shards = new Shard[ShardCount];
        for (int i = 0; i < _shards.Length; i++) _shards[i] = new Shard();
    }

    public TimeSpan PeerTimeout { get; }

    public SwarmLimits Limits { get; }

    public int MaxTorrents => Limits.MaxTorrents;

    /// <summary>When set, only these torrents are tracked (a private tracker); others are refused.</summary>
    public AllowList? Allow { get; set; }

    /// <summary>Number of torrents currently held.</summary>
    public int TorrentCount => Volatile.Read(ref _torrentCount);

    /// <summary>Number of peers currently held, over every swarm.</summary>
    public int PeerCount => Volatile.Read(ref _peerCount);

    /// <summary>When true, changed swarms are queued for a store (see <see cref="TryTakeChanged"/>).</summary>
    internal bool TrackChanges { get; set; }

    internal TimeProvider Time => _time;

    /// <summary>Seconds since the registry started: the clock of every peer slot.</summary>
    internal int Now => (int)(_time.GetElapsedTime(_startTimestamp).Ticks / TimeSpan.TicksPerSecond);

    public AnnounceResult Announce(in PeerAnnounce request, PeerSelection selection)
    {
        selection.Clear();
        if (Allow is { } allow && !allow.Contains(request.InfoHash)) return new AnnounceResult(AnnounceStatus.NotAllowed, 0, 0, 0);
        if (PeerCount >= Limits.MaxPeers) ShedOldest();
        var shard = ShardFor(request.InfoHash);
        int now = Now;
        lock (shard.Lock)
        {
            if (!shard.Swarms.TryGetValue(request.InfoHash, out var swarm))
            {
                if (request.Event == AnnounceEvent.Stopped) return new AnnounceResult(AnnounceStatus.Ok, 0, 0, 0);
                if (TorrentCount >= MaxTorrents) return new AnnounceResult(AnnounceStatus.TrackerFull, 0, 0, 0);
                swarm = new Swarm();
                shard.Swarms.Add(request.InfoHash, swarm);
                Interlocked.Increment(ref _torrentCount);
            }
            int before = swarm.Count;
            var status = request.Endpoint.IsIPv6
                ? AnnounceIn(swarm.V6 ??= new(), swarm, in request, now, selection, ownFamily6: true)
                : AnnounceIn(swarm.V4 ??= new(), swarm, in request, now, selection, ownFamily6: false);
            Interlocked.Add(ref _peerCount, swarm.Count - before);
            if (status == AnnounceStatus.Ok) MarkDirty(swarm, request.InfoHash);
            else if (swarm.IsDisposable) Forget(shard, request.InfoHash);
            return new AnnounceResult(status, swarm.Seeders, swarm.Leechers, swarm.Downloaded);
        }
    }

    private AnnounceStatus AnnounceIn<TAddress>(PeerList<TAddress> list, Swarm swarm, in PeerAnnounce request, int now,
        PeerSelection selection, bool ownFamily6)
        where TAddress : unmanaged, ICompactAddress<TAddress>
    {
        var id = request.PeerId;
        var address = CompactAddress.From<TAddress>(request.Endpoint.Compact);
        int slot = list.Find(in id, in address, out int fromSource, out int oldestFromSource);
        if (request.Event == AnnounceEvent.Stopped)
        {
            if (slot >= 0) list.RemoveAt(slot);
            return AnnounceStatus.Ok;
        }
        bool wasSeeder = slot >= 0 && list.IsSeederSlot(slot);
        if (slot >= 0)
        {
            slot = list.Refresh(slot, in address, request.IsSeeder, now);
        }
        else
        {
            if (!MakeRoom(list, swarm, fromSource, oldestFromSource)) return AnnounceStatus.TrackerFull;
            slot = list.Add(in id, in address, request.IsSeeder, now);
        }
        // Count each download once, even if a client repeats its completed event.
        if (request.Event == AnnounceEvent.Completed && !wasSeeder) swarm.Downloaded++;

        int want = Math.Clamp(request.NumWant, 0, selection.Capacity);
        bool ids = request.WantPeerIds;
        int own = ownFamily6
            ? list.Select(slot, request.IsSeeder, want, selection.Compact6Buffer, ids ? selection.Ids6Buffer : default)
            : list.Select(slot, request.IsSeeder, want, selection.Compact4Buffer, ids ? selection.Ids4Buffer : default);
        int other = 0;
        if (request.IncludeOtherFamily && own < want)
        {
            other = ownFamily6
                ? swarm.V4?.Select(-1, request.IsSeeder, want - own, selection.Compact4Buffer, ids ? selection.Ids4Buffer : default) ?? 0
                : swarm.V6?.Select(-1, request.IsSeeder, want - own, selection.Compact6Buffer, ids ? selection.Ids6Buffer : default) ?? 0;
        }
        selection.Count4 = ownFamily6 ? other : own;
        selection.Count6 = ownFamily6 ? own : other;
        selection.HasIds = ids;
        return AnnounceStatus.Ok;
    }

    /// <summary>
    /// Before a new peer joins: its source's oldest peer goes when the source is at its cap, the swarm's oldest sixteenth
    /// when the swarm is full. False when the whole registry is full (a shed is under way on another thread).
    /// </summary>
    private bool MakeRoom<TAddress>(PeerList<TAddress> list, Swarm swarm, int fromSource, int oldestFromSource)
        where TAddress : unmanaged, ICompactAddress<TAddress>
    {
        if (Limits.MaxPeersPerSource > 0 && fromSource >= Limits.MaxPeersPerSource)
        {
            list.RemoveAt(oldestFromSource);
            return true; // one out, one in: no cap can be passed
        }
        if (swarm.Count >= Limits.MaxPeersPerSwarm) swarm.EvictOldest(Math.Max(1, Limits.MaxPeersPerSwarm / 16));
        return PeerCount < Limits.MaxPeers;
    }

    /// <summary>Counts for one torrent (zeros when unknown or not allowed).</summary>
    public ScrapeCounts Scrape(InfoHash infoHash)
    {
        var shard = ShardFor(infoHash);
        lock (shard.Lock)
        {
            return shard.Swarms.TryGetValue(infoHash, out var swarm)
                ? new ScrapeCounts(swarm.Seeders, swarm.Leechers, swarm.Downloaded)
                : default;
        }
    }

    /// <summary>Gives a torrent a display name for the stats page (creating its entry if needed).</summary>
    public void SetName(InfoHash infoHash, string? name)
    {
        var shard = ShardFor(infoHash);
        lock (shard.Lock)
        {
            if (!shard.Swarms.TryGetValue(infoHash, out var swarm))
            {
                if (name is null || TorrentCount >= MaxTorrents) return;
                swarm = new Swarm();
                shard.Swarms.Add(infoHash, swarm);
                Interlocked.Increment(ref _torrentCount);
            }
            swarm.Name = name;
            MarkDirty(swarm, infoHash);
        }
    }

    /// <summary>Drops peers silent for longer than <see cref="PeerTimeout"/> and forgets empty swarms; returns peers dropped.</summary>
    public int Sweep()
    {
        int cutoff = Now - (int)Math.Ceiling(PeerTimeout.TotalSeconds);
        int removed = 0;
        ForEachSwarm((hash, swarm) =>
        {
            int dropped = (swarm.V4?.Expire(cutoff) ?? 0) + (swarm.V6?.Expire(cutoff) ?? 0);
            removed += dropped;
            Interlocked.Add(ref _peerCount, -dropped);
            swarm.V4?.Trim();
            swarm.V6?.Trim();
            if (swarm.V4 is { Count: 0 }) swarm.V4 = null;
            if (swarm.V6 is { Count: 0 }) swarm.V6 = null;
            if (dropped > 0) MarkDirty(swarm, hash);
        });
        return removed;
    }

    private void Forget(Shard shard, InfoHash infoHash)
    {
        shard.Swarms.Remove(infoHash);
        Interlocked.Decrement(ref _torrentCount);
    }

    private void MarkDirty(Swarm swarm, InfoHash infoHash)
    {
        if (!TrackChanges || swarm.Dirty) return;
        swarm.Dirty = true;
        _dirty.Enqueue(infoHash);
    }

    // Shards only spread lock contention (the dictionaries inside hash with a random seed), so a cheap mix of the
    // hash's first and last bytes is enough here.
    private Shard ShardFor(InfoHash infoHash)
    {
        var span = infoHash.Span;
        uint mixed = (BinaryPrimitives.ReadUInt32LittleEndian(span) ^ BinaryPrimitives.ReadUInt32LittleEndian(span[16..])) * 0x9E3779B9u;
        return _shards[mixed >> (32 - ShardBits)];
    }

    private sealed class Shard
    {
        public readonly Lock Lock = new();
        public readonly Dictionary<InfoHash, Swarm> Swarms = new(InfoHashComparer.Instance);
    }
}
