using System.Net;
using Shoal.Metainfo;

namespace Shoal.Discovery;

/// <summary>
/// The inbound side of LSD, kept apart from sockets so it can be tested: at most <c>maxPerSecond</c> datagrams are
/// looked at per second, our own announces (our cookie) are dropped, and a neighbour is reported for a torrent at most
/// once a minute however often it announces.
/// </summary>
internal sealed class LsdInbox(string cookie, int maxPerSecond, TimeProvider time)
{
    public static readonly TimeSpan RepeatInterval = TimeSpan.FromMinutes(1);

    private const int MaxRemembered = 4096;

    private readonly Lock _sync = new();
    private readonly Dictionary<(InfoHash, IPEndPoint), long> _reported = [];
    private long _windowStart = long.MinValue;
    private int _inWindow;

    /// <summary>Counts datagrams dropped by the rate limit (for diagnostics and tests).</summary>
    public int Dropped { get; private set; }

    /// <summary>The announce in <paramref name="datagram"/>, or null if over the rate, malformed or our own.</summary>
    public LsdAnnounce? Accept(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        lock (_sync)
        {
            long now = time.GetTimestamp();
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _inWindow = 0;
            }
            if (++_inWindow > maxPerSecond)
            {
                Dropped++;
                return null;
            }
        }
        if (!LsdMessage.TryParse(datagram, out var announce)) return null;
        if (announce.Cookie == cookie) return null;
        if (source.Port == 0 || IPAddress.Any.Equals(source.Address) || IPAddress.IPv6Any.Equals(source.Address)) return null;
        return announce;
    }

    /// <summary>True the first time (in a minute) this neighbour is heard announcing this torrent.</summary>
    public bool IsNew(InfoHash infoHash, IPEndPoint peer)
    {
        lock (_sync)
        {
            long now = time.GetTimestamp();
            if (_reported.TryGetValue((infoHash, peer), out long last) && time.GetElapsedTime(last, now) < RepeatInterval) return false;
            if (_reported.Count >= MaxRemembered) _reported.Clear();
            _reported[(infoHash, peer)] = now;
            return true;
        }
    }
}
