namespace Shoal.Transport.Utp;

/// <summary>
/// Path-MTU discovery for one connection, as libtorrent's utp_stream does it: data packets are
/// <see cref="Floor"/> bytes (the largest datagram known to pass); while the gap to <see cref="Ceiling"/> (the largest
/// that might) is at least <see cref="Threshold"/>, one packet at a time goes out as a probe of
/// (floor + ceiling) / 2 bytes. Its ACK raises the floor; its loss, or the kernel refusing it as too big (EMSGSIZE),
/// lowers the ceiling. A probe carries an ordinary floor-sized packet padded with an extension the peer skips, so a
/// lost probe is resent at the floor size: the search never needs to cut data into new packets, and a path that
/// silently drops large datagrams (no ICMP) cannot stall the connection. The search restarts from the top every
/// <see cref="RestartInterval"/>, and from the start when a timeout suggests the path shrank.
/// </summary>
internal sealed class PathMtuSearch
{
    /// <summary>The search stops when the floor is this close to the ceiling (bytes).</summary>
    public const int Threshold = 16;

    /// <summary>A finished search is tried again after this long: the path may have grown (µs).</summary>
    public static readonly long RestartInterval = (long)TimeSpan.FromMinutes(10).TotalMicroseconds;

    private readonly int _initialFloor;
    private int _maxCeiling;
    private bool _probing;
    private ushort _probeSeq;
    private int _probeSize;
    private long _finishedAt = -1;

    /// <param name="floor">The starting packet size (datagram bytes), assumed to pass.</param>
    /// <param name="ceiling">The largest datagram worth trying: the link's MTU less IP and UDP headers, within a pool slot.</param>
    public PathMtuSearch(int floor, int ceiling)
    {
        _initialFloor = floor;
        _maxCeiling = Math.Max(floor, ceiling);
        Floor = floor;
        Ceiling = _maxCeiling;
    }

    public int Floor { get; private set; }

    /// <summary>Replaces the largest size searched (the route's MTU became known); never below the floor.</summary>
    public void SetMaxCeiling(int ceiling)
    {
        _maxCeiling = Math.Max(Floor, ceiling);
        Ceiling = _maxCeiling;
        if (_probing && _probeSize > Ceiling) _probing = false;
        _finishedAt = -1;
    }

    public int Ceiling { get; private set; }

    public bool Searching => Ceiling - Floor >= Threshold;

    /// <summary>The size of the next probe.</summary>
    public int ProbeSize => (Floor + Ceiling) / 2;

    /// <summary>
    /// Whether the packet about to be sent should be a probe: the search is on, no probe is out, and the congestion
    /// window holds more than three packets (so a probe's loss can be told from a burst of congestion losses, as in
    /// libtorrent). Restarts a finished search once it is old.
    /// </summary>
    public bool ShouldProbe(long nowMicros, int congestionWindow)
    {
        if (_probing) return false;
        if (!Searching)
        {
            if (_finishedAt < 0) _finishedAt = nowMicros;
            if (nowMicros - _finishedAt < RestartInterval || Ceiling >= _maxCeiling) return false;
            Ceiling = _maxCeiling;
            _finishedAt = -1;
            if (!Searching) return false;
        }
        return congestionWindow > 3 * Floor;
    }

    public void ProbeSent(ushort seq, int size)
    {
        _probing = true;
        _probeSeq = seq;
        _probeSize = size;
    }

    public bool IsProbe(ushort seq) => _probing && seq == _probeSeq;

    /// <summary>The probe arrived (acknowledged as sent): datagrams of its size pass.</summary>
    public void ProbeAcked()
    {
        _probing = false;
        Floor = Math.Min(Math.Max(Floor, _probeSize), Ceiling);
        if (!Searching) _finishedAt = -1;
    }

    /// <summary>The probe was lost (its packet is being resent at the floor size): treat its size as too big.</summary>
    public void ProbeLost()
    {
        _probing = false;
        LowerCeiling(_probeSize - 1);
    }

    /// <summary>The kernel refused a datagram of <paramref name="size"/> bytes as larger than the route's MTU (EMSGSIZE).</summary>
    public void TooBig(int size)
    {
        if (_probing && size >= _probeSize) _probing = false;
        LowerCeiling(size - 1);
    }

    /// <summary>
    /// Packets of the floor size stopped arriving (a retransmission timeout while the floor is above its start): the path
    /// may have shrunk. New packets go back to the starting size, and the search runs again below the old floor.
    /// </summary>
    public void PathMayHaveShrunk()
    {
        if (Floor <= _initialFloor) return;
        _probing = false;
        Ceiling = Floor - 1;
        Floor = _initialFloor;
        _finishedAt = -1;
    }

    private void LowerCeiling(int ceiling)
    {
        Ceiling = Math.Max(Floor, Math.Min(Ceiling, ceiling));
        _finishedAt = -1;
    }
}
