namespace Shoal.Tests.Support.Reference;

public sealed class TransmissionParticipant : ITransferParticipant
{
    public string Kind => "tr";

    public ParticipantCapabilities Capabilities { get; } = new(DialsLoopbackPeers: false, ConnectsToGivenPeers: false, ReannouncesOften: false);

    public string? Unavailable() => ReferenceExecutables.Find("transmission-cli") is null ? "transmission-cli is not installed" : null;

    public async Task<IReferencePeer> StartAsync(TransferRole role, TransferSetup setup, CancellationToken cancellationToken = default)
    {
        if (setup.ConnectTo.Count > 0) throw new NotSupportedException("Transmission cannot be given peers to dial");
        if (setup.ReannounceEvery is not null) throw new NotSupportedException("Transmission cannot re-announce on demand");
        // transmission-cli never exits by itself, so KeepRunningWhenDone holds anyway.
        var options = new TransmissionOptions { UploadRateLimit = setup.UploadRateLimit, DownloadRateLimit = setup.DownloadRateLimit };
        return role == TransferRole.Seed
            ? await TransmissionPeer.SeedAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken)
            : await TransmissionPeer.DownloadAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken);
    }
}
