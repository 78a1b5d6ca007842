namespace Shoal.Tests.Support.Reference;

/// <summary>
/// Shoal's CLI as a transfer participant: "shoal" as installed (encryption <c>prefer</c>: between two Shoals an MSE
/// handshake, then plaintext), or "shoal-rc4" with <c>--encryption require</c> (RC4 both ways), so the harness can
/// measure encrypted against plain in the same run.
/// </summary>
public sealed class ShoalParticipant : ITransferParticipant
{
    private readonly string[] _encryption;

    public ShoalParticipant() : this("shoal", [])
    {
    }

    private ShoalParticipant(string kind, string[] encryption)
    {
        Kind = kind;
        _encryption = encryption;
    }

    /// <summary>"shoal-rc4": Shoal requiring encryption (RC4 after the MSE handshake; refuses plaintext peers).</summary>
    public static ShoalParticipant Rc4 { get; } = new("shoal-rc4", ["--encryption", "require"]);

    public string Kind { get; }

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
            ExtraArguments = [.. setup.Transport is { } transport ? ["--transport", transport] : Array.Empty<string>(), .. _encryption],
        };
        return role == TransferRole.Seed
            ? await ShoalPeer.SeedAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken)
            : await ShoalPeer.DownloadAsync(setup.TorrentPath, setup.DataDirectory, options, cancellationToken);
    }
}
