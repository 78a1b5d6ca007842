using System.Net;

namespace Shoal.Swarm;

/// <summary>
/// Bounds incoming connections that have not finished their handshake yet, per address and in total, so connections
/// that open and say nothing cannot take every descriptor while they wait out the handshake timeout. Loopback is
/// exempt from the per-address bound: tests and the demo run whole swarms on 127.0.0.1. Thread-safe.
/// </summary>
internal sealed class HandshakeGate(int maxTotal, int maxPerAddress)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _total;

    /// <summary>Admits a connection from <paramref name="address"/>; false when a bound is reached (close it).</summary>
    public bool TryEnter(IPAddress address)
    {
        lock (_sync)
        {
            int fromAddress = _perAddress.GetValueOrDefault(address);
            if (_total >= maxTotal || (fromAddress >= maxPerAddress && !IPAddress.IsLoopback(address))) return false;
            _perAddress[address] = fromAddress + 1;
            _total++;
            return true;
        }
    }

    /// <summary>The connection admitted by <see cref="TryEnter"/> finished its handshake or ended.</summary>
    public void Exit(IPAddress address)
    {
        lock (_sync)
        {
            _total--;
            int left = _perAddress[address] - 1;
            if (left == 0) _perAddress.Remove(address);
            else _perAddress[address] = left;
        }
    }
}
