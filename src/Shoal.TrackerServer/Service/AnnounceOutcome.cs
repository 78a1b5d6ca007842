using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Service;

/// <summary>
/// What the announce service decided: accepted (with the swarm's counts; the peers are in the caller's
/// <see cref="PeerSelection"/>) or refused with a reason both front-ends send as is.
/// <paramref name="IsIPv6"/> tells which family the peer was listed in (a UDP answer carries only that family).
/// </summary>
public readonly record struct AnnounceOutcome(AnnounceStatus Status, int Seeders, int Leechers, long Downloaded, bool IsIPv6)
{
    public bool Accepted => Status == AnnounceStatus.Ok;

    /// <summary>The failure reason sent to the client; null when accepted.</summary>
    public string? FailureReason => Status switch
    {
        AnnounceStatus.Ok => null,
        AnnounceStatus.NotAllowed => "torrent not allowed on this tracker",
        AnnounceStatus.TrackerFull => "tracker is full",
        AnnounceStatus.ClientUnknown => "the proxy in front of this tracker did not say who the client is (X-Forwarded-For)",
        _ => "announce refused",
    };
}
