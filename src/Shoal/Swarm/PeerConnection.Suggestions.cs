namespace Shoal.Swarm;

/// <summary>
/// BEP 6 suggestions and refusals, both directions: what the peer suggested to us and which pieces it refused us
/// (so we ask others), and which pieces we already refused it once (so a second ask is served, never looped).
/// All under the session lock.
/// </summary>
internal sealed partial class PeerConnection
{
    private const int MaxSuggestions = 16;
    private const int MaxRemembered = 256;
    private static readonly TimeSpan AvoidFor = TimeSpan.FromSeconds(2);

    private readonly Queue<int> _suggested = new();
    private readonly Dictionary<int, long> _avoidUntil = [];
    private readonly HashSet<int> _refusedOnce = [];

    IReadOnlyCollection<int> IPickerPeer.Suggested => _suggested;

    bool IPickerPeer.Avoids(int piece) =>
        _avoidUntil.Count > 0 && _avoidUntil.TryGetValue(piece, out long until) && _limits.Time.GetTimestamp() < until;

    /// <summary>The peer suggested a piece (kept if we lack it; the oldest is dropped beyond a few).</summary>
    public void AddSuggestion(int piece)
    {
        if (_suggested.Contains(piece)) return;
        if (_suggested.Count >= MaxSuggestions) _suggested.Dequeue();
        _suggested.Enqueue(piece);
    }

    /// <summary>Drops suggestions we no longer need (had, or started).</summary>
    public void PruneSuggestions(Func<int, bool> stillUseful)
    {
        int count = _suggested.Count;
        for (int i = 0; i < count; i++)
        {
            int piece = _suggested.Dequeue();
            if (stillUseful(piece)) _suggested.Enqueue(piece);
        }
    }

    /// <summary>The peer refused a piece: ask others for it for a few seconds.</summary>
    public void AvoidFromNow(int piece)
    {
        if (_avoidUntil.Count >= MaxRemembered) _avoidUntil.Clear();
        _avoidUntil[piece] = _limits.Time.GetTimestamp() + (long)(AvoidFor.TotalSeconds * _limits.Time.TimestampFrequency);
    }

    /// <summary>True the first time we refuse the peer this piece; false if we did before (then we serve it).</summary>
    public bool RefuseFirstTime(int piece)
    {
        if (_refusedOnce.Count >= MaxRemembered) _refusedOnce.Clear();
        return _refusedOnce.Add(piece);
    }
}
