namespace Shoal.Tests.Support.Reference;

/// <summary>What a kind of peer can do on loopback (see ../shared/INTEROP.md).</summary>
/// <param name="DialsLoopbackPeers">False for Transmission: it only accepts incoming connections from 127.x peers.</param>
/// <param name="ConnectsToGivenPeers">It can be told peers to dial, so no tracker is needed.</param>
/// <param name="ReannouncesOften">It can re-announce every few seconds (to learn, and dial, late peers).</param>
public sealed record ParticipantCapabilities(bool DialsLoopbackPeers, bool ConnectsToGivenPeers, bool ReannouncesOften);
