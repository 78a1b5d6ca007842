using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Transport;

/// <summary>
/// `shoal seed` and `shoal get` as processes on 127.0.0.1 with --encryption and --transport: encrypted only, uTP only,
/// both together, and a required-encryption seeder refusing a plaintext-only leecher with a clear log line.
/// </summary>
public sealed class EngineTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (string Torrent, string Content) MakeTorrent(TempDirectory dir)
    {
        string content = dir.WriteRandomFile("seed/data.bin", 3 * 1024 * 1024 + 777, seed: 15);
        string torrent = dir.Combine("data.torrent");
        var create = ProcessRunner.Run("dotnet", [ShoalPeer.CliPath, "create", content, "--piece-size", "64K", "-o", torrent]);
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        return (torrent, content);
    }

    [Theory]
    [InlineData("require", "tcp", false, true)]
    [InlineData("off", "utp", true, false)]
    [InlineData("require", "utp", true, true)]
    [InlineData("prefer", "both", true, false)] // the seeder on uTP alone: a leecher on both must reach it over uTP
    public async Task Two_shoal_processes_transfer_over_the_chosen_transport_and_encryption(string encryption, string transport, bool utp, bool encrypted)
    {
        using var dir = new TempDirectory("shoal-transports");
        var (torrent, content) = MakeTorrent(dir);
        string[] flags = ["--encryption", encryption, "--transport", transport];
        string[] seederFlags = ["--encryption", encryption, "--transport", transport == "both" ? "utp" : transport];
        await using var seeder = await ShoalPeer.SeedAsync(torrent, dir.Combine("seed"), new ShoalOptions { ExtraArguments = seederFlags }, Ct);
        await seeder.WaitForCompletionAsync(Bound, Ct);
        // Capped so that progress lines show the connection before the download ends it.
        await using var leecher = await ShoalPeer.DownloadAsync(torrent, dir.Combine("leech"), new ShoalOptions
        {
            ConnectTo = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, seeder.ListenPort)],
            DownloadRateLimit = 1024 * 1024,
            ExtraArguments = flags,
        }, Ct);
        await leecher.WaitForCompletionAsync(Bound, Ct);

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "data.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
        Assert.True(leecher.MaxSeen("peers") >= 1, leecher.Describe());
        Assert.Equal(utp ? 1 : 0, Math.Min(1, leecher.MaxSeen("peers_utp")));
        Assert.Equal(encrypted ? 1 : 0, Math.Min(1, leecher.MaxSeen("peers_encrypted")));
        // Every policy but off hides the handshake (MSE); prefer then sends plaintext, require RC4.
        Assert.Equal(encryption == "off" ? 0 : 1, Math.Min(1, leecher.MaxSeen("peers_obfuscated")));
    }

    [Fact]
    public async Task A_seeder_that_requires_encryption_refuses_a_plaintext_only_leecher_and_says_so()
    {
        using var dir = new TempDirectory("shoal-require");
        var (torrent, _) = MakeTorrent(dir);
        await using var seeder = await ShoalPeer.SeedAsync(torrent, dir.Combine("seed"),
            new ShoalOptions { ExtraArguments = ["--encryption", "require", "--transport", "tcp", "--verbose"] }, Ct);
        await seeder.WaitForCompletionAsync(Bound, Ct);
        await using var leecher = await ShoalPeer.DownloadAsync(torrent, dir.Combine("leech"), new ShoalOptions
        {
            ConnectTo = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, seeder.ListenPort)],
            ExtraArguments = ["--encryption", "off", "--transport", "tcp"],
        }, Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Bound);
        while (!seeder.Describe().Contains("refused a plaintext connection: encryption is required", StringComparison.Ordinal))
            await Task.Delay(100, timeout.Token);
        Assert.Equal(0, leecher.MaxSeen("peers"));
        Assert.Equal(0, leecher.MaxSeen("pieces_downloaded"));
    }
}
