namespace Shoal.TrackerServer.Registry;

public sealed partial class SwarmRegistry
{
    /// <summary>
    /// When the registry holds <see cref="SwarmLimits.MaxPeers"/> peers: drops the least recently seen peers over every
    /// swarm until it holds fifteen sixteenths of that (so the two passes are paid once per sixteenth of newcomers, not per
    /// newcomer). One thread sheds at a time; the others meanwhile refuse new peers. Returns the peers dropped.
    /// </summary>
    internal int ShedOldest()
    {
        if (Interlocked.CompareExchange(ref _shedding, 1, 0) != 0) return 0;
        try
        {
            int excess = PeerCount - (Limits.MaxPeers - Limits.MaxPeers / 16);
            if (excess <= 0) return 0;
            int now = Now;
            // Ages in seconds; anything older than the timeout (not yet swept) counts as the oldest age.
            int horizon = (int)Math.Ceiling(PeerTimeout.TotalSeconds) + 1;
            var byAge = new long[horizon + 1];
            ForEachSwarm((_, swarm) =>
            {
                if (swarm.V4 is { } v4) foreach (ref readonly var slot in v4.Slots) byAge[Math.Clamp(now - slot.LastSeen, 0, horizon)]++;
                if (swarm.V6 is { } v6) foreach (ref readonly var slot in v6.Slots) byAge[Math.Clamp(now - slot.LastSeen, 0, horizon)]++;
            });
            long older = 0;
            int age = horizon;
            while (age > 0 && older + byAge[age] < excess) older += byAge[age--];
            // Everyone older than `age` goes; of those exactly `age` old, only as many as still needed.
            int ties = (int)Math.Min(int.MaxValue, excess - older);
            int cutoff = now - age, dropped = 0;
            ForEachSwarm((hash, swarm) =>
            {
                int gone = (swarm.V4?.Expire(cutoff, ref ties) ?? 0) + (swarm.V6?.Expire(cutoff, ref ties) ?? 0);
                if (gone == 0) return;
                dropped += gone;
                Interlocked.Add(ref _peerCount, -gone);
                MarkDirty(swarm, hash);
            });
            return dropped;
        }
        finally
        {
            Volatile.Write(ref _shedding, 0);
        }
    }

    /// <summary>Runs <paramref name="visit"/> on every swarm, one shard lock at a time; forgets swarms left with nothing.</summary>
    private void ForEachSwarm(Action<Metainfo.InfoHash, Swarm> visit)
    {
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                foreach (var (hash, swarm) in shard.Swarms)
                {
                    visit(hash, swarm);
                    if (swarm.IsDisposable) Forget(shard, hash);
                }
            }
        }
    }
}
