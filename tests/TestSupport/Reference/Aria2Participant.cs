namespace Shoal.Tests.Support.Reference;

public sealed class Aria2Participant : ITransferParticipant
{
    public string Kind => "aria2";

    public ParticipantCapabilities Capabilities { get; } = new(DialsLoopbackPeers: true, ConnectsToGivenPeers: false, ReannouncesOften: true);

    public string? Unavailable() => ReferenceExecutables.Find("aria2c") is null ? "aria2c is not installed" : null;

    public async Task<IReferencePeer> StartAsync(TransferRole role, TransferSetup setup, CancellationToken cancellationToken = default)
    {
        if (setup.ConnectTo.Count > 0) throw new NotSupportedException("aria2 cannot be given peers to dial; it needs a tracker");
        var options = new Aria2Options
        {
            UploadRateLimit = setup.UploadRateLimit,
            DownloadRateLimit = setup.DownloadRateLimit,
            TrackerInterval = setup.ReannounceEvery,
            KeepSeeding = setup.KeepRunningWhenDone,
        };
        return role == TransferRole.Seed
            ? await Aria2Peer.SeedAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken)
            : await Aria2Peer.DownloadAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken);
    }
}
