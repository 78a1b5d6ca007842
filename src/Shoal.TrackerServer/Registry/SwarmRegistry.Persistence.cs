using Shoal.Metainfo;

namespace Shoal.TrackerServer.Registry;

public sealed partial class SwarmRegistry
{
    /// <summary>Takes the next swarm changed since it was last saved, with its current state.</summary>
    internal bool TryTakeChanged(out SwarmSnapshot snapshot)
    {
        while (_dirty.TryDequeue(out var hash))
        {
            snapshot = Snapshot(hash, clearDirty: true);
            return true;
        }
        snapshot = null!;
        return false;
    }

    /// <summary>A copy of one swarm (empty when unknown), taken under its shard lock.</summary>
    internal SwarmSnapshot Snapshot(InfoHash infoHash, bool clearDirty = false)
    {
        var shard = ShardFor(infoHash);
        lock (shard.Lock)
        {
            if (!shard.Swarms.TryGetValue(infoHash, out var swarm)) return new SwarmSnapshot(infoHash, 0, null, []);
            if (clearDirty) swarm.Dirty = false;
            var peers = new List<StoredPeer>((swarm.V4?.Count ?? 0) + (swarm.V6?.Count ?? 0));
            if (swarm.V4 is { } v4) AddPeers(v4, peers);
            if (swarm.V6 is { } v6) AddPeers(v6, peers);
            return new SwarmSnapshot(infoHash, swarm.Downloaded, swarm.Name, peers);
        }
    }

    private void AddPeers<TAddress>(PeerList<TAddress> list, List<StoredPeer> peers) where TAddress : unmanaged, ICompactAddress<TAddress>
    {
        var slots = list.Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            var compact = CompactAddress.Bytes(in slots[i].Address);
            var address = compact[..^2];
            ushort port = (ushort)(compact[^2] << 8 | compact[^1]);
            peers.Add(new StoredPeer(slots[i].Id, PeerEndpoint.FromAddress(address, port), list.IsSeederSlot(i),
                _startUnixSeconds + slots[i].LastSeen));
        }
    }

    /// <summary>
    /// Puts a saved swarm back (on start-up), within the same <see cref="Limits"/> as live announces: newest peers first,
    /// and a peer that would pass a cap is left out. Peers already past their timeout are skipped.
    /// </summary>
    internal void Restore(SwarmSnapshot snapshot)
    {
        if (snapshot.IsEmpty) return;
        int cutoff = Now - (int)Math.Ceiling(PeerTimeout.TotalSeconds);
        var shard = ShardFor(snapshot.InfoHash);
        lock (shard.Lock)
        {
            if (!shard.Swarms.TryGetValue(snapshot.InfoHash, out var swarm))
            {
                if (TorrentCount >= MaxTorrents) return;
                swarm = new Swarm();
                shard.Swarms.Add(snapshot.InfoHash, swarm);
                Interlocked.Increment(ref _torrentCount);
            }
            swarm.Downloaded = Math.Max(swarm.Downloaded, snapshot.Downloaded);
            swarm.Name ??= snapshot.Name;
            int before = swarm.Count;
            foreach (var peer in snapshot.Peers.OrderByDescending(p => p.LastSeenUnixSeconds))
            {
                long relative = peer.LastSeenUnixSeconds - _startUnixSeconds;
                if (relative < cutoff || relative > int.MaxValue) continue;
                if (swarm.Count >= Limits.MaxPeersPerSwarm || PeerCount + swarm.Count - before >= Limits.MaxPeers) break;
                if (peer.Endpoint.IsIPv6) RestorePeer(swarm.V6 ??= new(), in peer, (int)relative);
                else RestorePeer(swarm.V4 ??= new(), in peer, (int)relative);
            }
            Interlocked.Add(ref _peerCount, swarm.Count - before);
            if (swarm.V4 is { Count: 0 }) swarm.V4 = null;
            if (swarm.V6 is { Count: 0 }) swarm.V6 = null;
        }
    }

    private void RestorePeer<TAddress>(PeerList<TAddress> list, in StoredPeer peer, int lastSeen) where TAddress : unmanaged, ICompactAddress<TAddress>
    {
        var id = peer.Id;
        var address = CompactAddress.From<TAddress>(peer.Endpoint.Compact);
        if (list.Find(in id, in address, out int fromSource, out _) >= 0) return;
        if (Limits.MaxPeersPerSource > 0 && fromSource >= Limits.MaxPeersPerSource) return;
        list.Add(in id, in address, peer.IsSeeder, lastSeen);
    }
}
