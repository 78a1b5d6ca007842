using System.Net;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// What PEX has exchanged with one connected peer. Sending: the contacts we last told it about, so each message
/// carries only changes (added since, dropped since), at most one message per <c>interval</c>, each list capped at
/// 50. Receiving: messages spaced too closely are ignored, contacts are bounded per message and per connection,
/// deduplicated, and one port per address is taken (except on loopback, where lab swarms share 127.0.0.1).
/// Not thread-safe: <see cref="PeerExchange"/> serialises calls.
/// </summary>
internal sealed class PexPeerState(TimeProvider time, TimeSpan interval)
{
    /// <summary>Contacts taken from one message (BEP 11 lets the first exceed 50).</summary>
    public const int MaxAcceptedPerMessage = 100;

    /// <summary>Contacts taken from one peer over its connection.</summary>
    public const int MaxAcceptedPerPeer = 1000;

    /// <summary>Messages closer together than this (after the first) are ignored.</summary>
    public static readonly TimeSpan MinReceiveSpacing = TimeSpan.FromSeconds(30);

    /// <summary>Ignored (too early) or malformed messages tolerated before the peer is disconnected.</summary>
    public const int MaxViolations = 10;

    private readonly HashSet<IPEndPoint> _advertised = [];
    private readonly HashSet<IPEndPoint> _learned = [];
    private long? _lastSent, _lastAccepted;
    private int _violations;

    public IReadOnlyCollection<IPEndPoint> Advertised => _advertised;

    /// <summary>
    /// The next message for this peer given the contacts we are connected to now (not including the peer itself),
    /// or null when it is too early or nothing changed.
    /// </summary>
    public PexMessage? NextMessage(IReadOnlyList<PexPeer> current)
    {
        long now = time.GetTimestamp();
        if (_lastSent is long last && time.GetElapsedTime(last, now) < interval) return null;
        var currentSet = new HashSet<IPEndPoint>(current.Select(p => p.EndPoint));
        var added = new List<PexPeer>();
        var seen = new HashSet<IPEndPoint>();
        foreach (var peer in current)
        {
            if (added.Count >= PexMessage.MaxPerMessage) break;
            if (seen.Add(peer.EndPoint) && !_advertised.Contains(peer.EndPoint)) added.Add(peer);
        }
        var dropped = _advertised.Where(e => !currentSet.Contains(e)).Take(PexMessage.MaxPerMessage).ToList();
        if (added.Count == 0 && dropped.Count == 0) return null;
        foreach (var peer in added) _advertised.Add(peer.EndPoint);
        foreach (var endPoint in dropped) _advertised.Remove(endPoint);
        _lastSent = now;
        return new PexMessage(added, dropped);
    }

    /// <summary>
    /// Takes a received message: returns the new contacts worth trying (possibly none). Throws
    /// <see cref="WireProtocolException"/> once the peer has broken the rules too often.
    /// </summary>
    public IReadOnlyList<PexPeer> Receive(ReadOnlySpan<byte> payload)
    {
        long now = time.GetTimestamp();
        PexMessage message;
        try
        {
            message = PexMessage.Parse(payload, MaxAcceptedPerMessage);
        }
        catch (WireProtocolException ex)
        {
            Violation($"malformed ut_pex messages ({ex.Message})");
            return [];
        }
        if (_lastAccepted is long last && time.GetElapsedTime(last, now) < MinReceiveSpacing)
        {
            Violation("ut_pex messages too often");
            return [];
        }
        _lastAccepted = now;
        var result = new List<PexPeer>();
        var addresses = new HashSet<IPAddress>();
        foreach (var contact in message.Added)
        {
            if (_learned.Count >= MaxAcceptedPerPeer) break;
            // Many ports on one address is how PEX gets abused to aim connection floods at a victim.
            if (!IPAddress.IsLoopback(contact.EndPoint.Address) && !addresses.Add(contact.EndPoint.Address)) continue;
            if (_learned.Add(contact.EndPoint)) result.Add(contact);
        }
        return result;
    }

    private void Violation(string what)
    {
        if (++_violations > MaxViolations) throw new WireProtocolException(what);
    }
}
