namespace Shoal.Tests.Support.Reference;

public sealed class LibtorrentParticipant : ITransferParticipant
{
    public string Kind => "lt";

    public ParticipantCapabilities Capabilities { get; } = new(DialsLoopbackPeers: true, ConnectsToGivenPeers: true, ReannouncesOften: true);

    public string? Unavailable()
    {
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "Reference", "lt_peer.py")))
            return "Reference/lt_peer.py is not next to the assembly";
        return File.Exists(ReferenceExecutables.DebianPython) && ProcessRunner.Succeeds(ReferenceExecutables.DebianPython, "-c \"import libtorrent\"")
            ? null : "python3-libtorrent is not installed (run scripts/install-reference-programs.sh)";
    }

    private static readonly Dictionary<string, string> UtpOnly = new()
    {
        ["enable_outgoing_tcp"] = "false",
        ["enable_incoming_tcp"] = "false",
        ["enable_outgoing_utp"] = "true",
        ["enable_incoming_utp"] = "true",
    };

    public async Task<IReferencePeer> StartAsync(TransferRole role, TransferSetup setup, CancellationToken cancellationToken = default)
    {
        var options = new LibtorrentOptions
        {
            UploadRateLimit = setup.UploadRateLimit,
            DownloadRateLimit = setup.DownloadRateLimit,
            ConnectTo = setup.ConnectTo,
            ReannounceEvery = setup.ReannounceEvery,
            ExtraSettings = setup.Transport == "utp" ? UtpOnly : new Dictionary<string, string>(),
        };
        return role == TransferRole.Seed
            ? await LibtorrentPeer.SeedAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken)
            : await LibtorrentPeer.DownloadAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken);
    }
}
