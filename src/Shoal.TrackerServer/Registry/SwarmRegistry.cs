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

    public SwarmRegistry(TimeSpan peerTimeout, TimeProvider? time = null, int maxTorrents = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(peerTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTorrents);
        PeerTimeout = peerTimeout;
        MaxTorrents = maxTorrents;
        _time = time ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
        _startUnixSeconds = _time.GetUtcNow().ToUnixTimeSeconds();
        _shards = new Shard[ShardCount];
        for (int i = 0; i < _shards.Length; i++) _shards[i] = new Shard();
    }

    public TimeSpan PeerTimeout { get; }

    public int MaxTorrents { get; }

    /// <summary>When set, only these torrents are tracked (a private tracker); others are refused.</summary>
    public AllowList? Allow { get; set; }

    /// <summary>Number of torrents currently held.</summary>
    public int TorrentCount => Volatile.Read(ref _torrentCount);

    /// <summary>When true, changed swarms are queued for a store (see <see cref="TryTakeChanged"/>).</summary>
    internal bool TrackChanges { get; set; }

    internal TimeProvider Time => _time;

    /// <summary>Seconds since the registry started: the clock of every peer slot.</summary>
    internal int Now => (int)(_time.GetElapsedTime(_startTimestamp).Ticks / TimeSpan.TicksPerSecond);

    public AnnounceResult Announce(in PeerAnnounce request, PeerSelection selection)
    {
        selection.Clear();
        if (Allow is { } allow && !allow.Contains(request.InfoHash)) return new AnnounceResult(AnnounceStatus.NotAllowed, 0, 0, 0);
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
            if (request.Endpoint.IsIPv6)
                AnnounceIn(swarm.V6 ??= new(), swarm, in request, now, selection, ownFamily6: true);
            else
                AnnounceIn(swarm.V4 ??= new(), swarm, in request, now, selection, ownFamily6: false);
            MarkDirty(swarm, request.InfoHash);
            return new AnnounceResult(AnnounceStatus.Ok, swarm.Seeders, swarm.Leechers, swarm.Downloaded);
        }
    }

    private static void AnnounceIn<TAddress>(PeerList<TAddress> list, Swarm swarm, in PeerAnnounce request, int now,
        PeerSelection selection, bool ownFamily6)
        where TAddress : unmanaged, ICompactAddress<TAddress>
    {
        var id = request.PeerId;
        if (request.Event == AnnounceEvent.Stopped)
        {
            list.Remove(in id);
            return;
        }
        var address = CompactAddress.From<TAddress>(request.Endpoint.Compact);
        int slot = list.Upsert(in id, in address, request.IsSeeder, now, out _, out bool wasSeeder);
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
                if (name is null) return;
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
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                foreach (var (hash, swarm) in shard.Swarms)
                {
                    int dropped = (swarm.V4?.Expire(cutoff) ?? 0) + (swarm.V6?.Expire(cutoff) ?? 0);
                    removed += dropped;
                    swarm.V4?.Trim();
                    swarm.V6?.Trim();
                    if (swarm.V4 is { Count: 0 }) swarm.V4 = null;
                    if (swarm.V6 is { Count: 0 }) swarm.V6 = null;
                    if (dropped > 0) MarkDirty(swarm, hash);
                    if (swarm.IsDisposable)
                    {
                        shard.Swarms.Remove(hash);
                        Interlocked.Decrement(ref _torrentCount);
                    }
                }
            }
        }
        return removed;
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
