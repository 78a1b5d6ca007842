namespace Shoal.Tests.Support.Reference;

/// <summary>The kinds of peer known by name. Add Shoal here once its CLI can seed and download.</summary>
public static class TransferParticipants
{
    public static IReadOnlyList<ITransferParticipant> All { get; } =
        [new ShoalParticipant(), ShoalParticipant.Rc4, new LibtorrentParticipant(), new Aria2Participant(), new TransmissionParticipant()];

    public static ITransferParticipant Get(string kind) =>
        All.FirstOrDefault(p => string.Equals(p.Kind, kind, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown peer kind '{kind}' (known: {string.Join(", ", All.Select(p => p.Kind))})", nameof(kind));

    /// <summary>Options a seeder needs so that <paramref name="leecher"/> gets connected: a leecher that never dials
    /// loopback peers must be dialled by a seeder that learns of it by re-announcing.</summary>
    public static TimeSpan? ReannounceNeededFor(ITransferParticipant leecher) =>
        leecher.Capabilities.DialsLoopbackPeers ? null : TimeSpan.FromSeconds(1);
}
