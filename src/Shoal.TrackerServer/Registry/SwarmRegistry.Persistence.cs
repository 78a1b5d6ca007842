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

    /// <summary>Puts a saved swarm back (on start-up); peers already past their timeout are skipped.</summary>
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
            foreach (var peer in snapshot.Peers)
            {
                long relative = peer.LastSeenUnixSeconds - _startUnixSeconds;
                if (relative < cutoff || relative > int.MaxValue) continue;
                var id = peer.Id;
                if (peer.Endpoint.IsIPv6)
                {
                    var address = CompactAddress.From<Compact6>(peer.Endpoint.Compact);
                    (swarm.V6 ??= new()).Upsert(in id, in address, peer.IsSeeder, (int)relative, out _);
                }
                else
                {
                    var address = CompactAddress.From<Compact4>(peer.Endpoint.Compact);
                    (swarm.V4 ??= new()).Upsert(in id, in address, peer.IsSeeder, (int)relative, out _);
                }
            }
        }
    }
}
