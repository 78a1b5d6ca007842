using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Discovery.Dht;

/// <summary>
/// The peers others announced to us (announce_peer), by info-hash. Each entry expires <see cref="DhtOptions.PeerLifetime"/>
/// after its last announce; the store is capped per info-hash, in info-hashes and in peers overall, so a flood of
/// announces costs bounded memory. Peers are kept in compact form: an IPv4 peer is one 8-byte key and its expiry.
/// </summary>
internal sealed class PeerStore(int maxInfoHashes, int maxPeersPerInfoHash, int maxPeers, long lifetimeMilliseconds)
{
    private readonly Dictionary<NodeId, Swarm> _swarms = [];

    public int InfoHashCount => _swarms.Count;

    public int PeerCount { get; private set; }

    /// <summary>Stores or refreshes a peer; false when a cap kept a new one out.</summary>
    public bool Announce(NodeId infoHash, IPEndPoint peer, long now)
    {
        if (!_swarms.TryGetValue(infoHash, out var swarm))
        {
            if (_swarms.Count >= maxInfoHashes || PeerCount >= maxPeers) return false;
            swarm = new Swarm();
            _swarms.Add(infoHash, swarm);
        }
        long expires = now + lifetimeMilliseconds;
        var address = CompactInfo.Normalize(peer.Address);
        bool added = address.AddressFamily == AddressFamily.InterNetwork
            ? Put(swarm.V4 ??= [], V4Key(address, peer.Port), expires, swarm)
            : Put(swarm.V6 ??= [], V6Key(address, peer.Port), expires, swarm);
        if (swarm.Count == 0) _swarms.Remove(infoHash);
        return added;
    }

    /// <summary>Up to <paramref name="max"/> unexpired peers of one family, a uniform random sample when there are more.</summary>
    public void Sample(NodeId infoHash, AddressFamily family, int max, long now, Random random, List<IPEndPoint> into)
    {
        into.Clear();
        if (max <= 0 || !_swarms.TryGetValue(infoHash, out var swarm)) return;
        if (family == AddressFamily.InterNetwork && swarm.V4 is { } v4) Reservoir(v4, now, max, random, into, FromV4Key);
        else if (family == AddressFamily.InterNetworkV6 && swarm.V6 is { } v6) Reservoir(v6, now, max, random, into, FromV6Key);
    }

    /// <summary>Drops expired peers and emptied info-hashes.</summary>
    public void Purge(long now)
    {
        List<NodeId>? empty = null;
        foreach (var (infoHash, swarm) in _swarms)
        {
            if (swarm.V4 is { } v4) PeerCount -= Expire(v4, now, swarm);
            if (swarm.V6 is { } v6) PeerCount -= Expire(v6, now, swarm);
            if (swarm.Count == 0) (empty ??= []).Add(infoHash);
        }
        foreach (var infoHash in empty ?? []) _swarms.Remove(infoHash);
    }

    private bool Put<TKey>(Dictionary<TKey, long> peers, TKey key, long expires, Swarm swarm) where TKey : notnull
    {
        if (peers.ContainsKey(key))
        {
            peers[key] = expires;
            return true;
        }
        if (PeerCount >= maxPeers) return false;
        if (swarm.Count >= maxPeersPerInfoHash && !EvictSoonestExpiring(peers, swarm)) return false;
        peers.Add(key, expires);
        swarm.Count++;
        PeerCount++;
        return true;
    }

    /// <summary>Makes room in a full swarm by dropping the entry closest to expiry (of the same family).</summary>
    private bool EvictSoonestExpiring<TKey>(Dictionary<TKey, long> peers, Swarm swarm) where TKey : notnull
    {
        if (peers.Count == 0) return false;
        var soonest = peers.MinBy(p => p.Value).Key;
        peers.Remove(soonest);
        swarm.Count--;
        PeerCount--;
        return true;
    }

    private static int Expire<TKey>(Dictionary<TKey, long> peers, long now, Swarm swarm) where TKey : notnull
    {
        int removed = 0;
        foreach (var (key, expires) in peers)
        {
            if (expires > now) continue;
            peers.Remove(key); // allowed while enumerating a Dictionary since .NET Core 3.0
            removed++;
        }
        swarm.Count -= removed;
        return removed;
    }

    private static void Reservoir<TKey>(Dictionary<TKey, long> peers, long now, int max, Random random, List<IPEndPoint> into,
        Func<TKey, IPEndPoint> decode) where TKey : notnull
    {
        int seen = 0;
        var chosen = new List<TKey>(Math.Min(max, peers.Count));
        foreach (var (key, expires) in peers)
        {
            if (expires <= now) continue;
            seen++;
            if (chosen.Count < max) chosen.Add(key);
            else if (random.Next(seen) is var slot && slot < max) chosen[slot] = key;
        }
        foreach (var key in chosen) into.Add(decode(key));
    }

    private static ulong V4Key(IPAddress address, int port)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return (ulong)BinaryPrimitives.ReadUInt32BigEndian(bytes) << 16 | (ushort)port;
    }

    private static IPEndPoint FromV4Key(ulong key)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(key >> 16));
        return new IPEndPoint(new IPAddress(bytes), (ushort)key);
    }

    private static (UInt128 Address, ushort Port) V6Key(IPAddress address, int port)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return (BinaryPrimitives.ReadUInt128BigEndian(bytes), (ushort)port);
    }

    private static IPEndPoint FromV6Key((UInt128 Address, ushort Port) key)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, key.Address);
        return new IPEndPoint(new IPAddress(bytes), key.Port);
    }

    private sealed class Swarm
    {
        public Dictionary<ulong, long>? V4;
        public Dictionary<(UInt128, ushort), long>? V6;
        public int Count;
    }
}
