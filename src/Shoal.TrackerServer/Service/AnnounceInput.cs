using Shoal.Metainfo;
using Shoal.Trackers;
using Shoal.TrackerServer.Registry;
using Shoal.Wire;

namespace Shoal.TrackerServer.Service;

/// <summary>Which front-end an announce came through: it decides the answer's shape, not the policy.</summary>
public enum TrackerProtocol
{
    Http,
    Udp,
}

/// <summary>How far the tracker believes the address a request came from.</summary>
public enum SourceTrust
{
    /// <summary>An ordinary client: its own claims about its address are ignored unless the operator trusts them.</summary>
    Remote,

    /// <summary>A process on the tracker's own machine, speaking to it directly (no proxy in between).</summary>
    Local,

    /// <summary>Behind a trusted proxy that did not say who the client is: nothing about it is believed.</summary>
    Unidentified,
}

/// <summary>Where a request came from: the address the tracker saw (or its trusted proxy reported) and how far it is believed.</summary>
public readonly record struct AnnounceSource(PeerEndpoint Address, SourceTrust Trust);

/// <summary>
/// One announce as a front-end read it, before any policy: the parsed fields, where it came from, and the address the
/// client claims (BEP 3's ip parameter, BEP 15's IP field), which the service may or may not believe.
/// <paramref name="NumWant"/> is -1 when the client did not say.
/// </summary>
public readonly record struct AnnounceInput(
    InfoHash InfoHash,
    PeerId PeerId,
    ushort Port,
    long Left,
    AnnounceEvent Event,
    int NumWant,
    AnnounceSource Source,
    PeerEndpoint? ClaimedAddress,
    TrackerProtocol Protocol,
    bool WantPeerIds = false)
{
    /// <summary>BEP 3: a peer with nothing left to download is a seeder; one that did not say (-1) is a leecher.</summary>
    public bool IsSeeder => Left == 0;
}
