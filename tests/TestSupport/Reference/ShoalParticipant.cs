namespace Shoal.Tests.Support.Reference;

/// <summary>Shoal's CLI as a transfer participant ("shoal").</summary>
public sealed class ShoalParticipant : ITransferParticipant
{
    public string Kind => "shoal";

    public ParticipantCapabilities Capabilities { get; } = new(DialsLoopbackPeers: true, ConnectsToGivenPeers: true, ReannouncesOften: true);

    public string? Unavailable() => File.Exists(ShoalPeer.CliPath) ? null : $"the Shoal CLI was not built ({ShoalPeer.CliPath} is missing)";

    public async Task<IReferencePeer> StartAsync(TransferRole role, TransferSetup setup, CancellationToken cancellationToken = default)
    {
        var options = new ShoalOptions
        {
            UploadRateLimit = setup.UploadRateLimit,
            DownloadRateLimit = setup.DownloadRateLimit,
            ConnectTo = setup.ConnectTo,
            ReannounceEvery = setup.ReannounceEvery,
            ExtraArguments = setup.Transport is { } transport ? ["--transport", transport] : [],
        };
        return role == TransferRole.Seed
            ? await ShoalPeer.SeedAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken)
            : await ShoalPeer.DownloadAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken);
    }
}
