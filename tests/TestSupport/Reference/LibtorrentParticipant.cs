namespace Shoal.Tests.Support.Reference;

public sealed class LibtorrentParticipant : ITransferParticipant
{
    public string Kind => "lt";

    public ParticipantCapabilities Capabilities { get; } = new(DialsLoopbackPeers: true, ConnectsToGivenPeers: true, ReannouncesOften: true);

    public string? Unavailable() =>
        File.Exists(ReferenceExecutables.DebianPython) && File.Exists(Path.Combine(AppContext.BaseDirectory, "Reference", "lt_peer.py"))
            ? null : "libtorrent needs /usr/bin/python3 (python3-libtorrent) and Reference/lt_peer.py next to the assembly";

    public async Task<IReferencePeer> StartAsync(TransferRole role, TransferSetup setup, CancellationToken cancellationToken = default)
    {
        var options = new LibtorrentOptions
        {
            UploadRateLimit = setup.UploadRateLimit,
            DownloadRateLimit = setup.DownloadRateLimit,
            ConnectTo = setup.ConnectTo,
            ReannounceEvery = setup.ReannounceEvery,
        };
        return role == TransferRole.Seed
            ? await LibtorrentPeer.SeedAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken)
            : await LibtorrentPeer.DownloadAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken);
    }
}
