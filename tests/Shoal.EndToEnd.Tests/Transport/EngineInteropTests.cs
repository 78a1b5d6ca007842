using System.Net;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Transport;

/// <summary>
/// `shoal seed` / `shoal get` against libtorrent 2.0 in both directions, with libtorrent forcing RC4, speaking uTP
/// only (TCP off), and both at once (INTEROP.md's settings). Shoal's --json progress shows the transport and encryption
/// each connection used, so the test checks the connection really was uTP and/or encrypted.
/// </summary>
[Trait("Category", "Interop")]
public sealed class EngineInteropTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string> ForcedRc4 = new()
    {
        ["out_enc_policy"] = "0",
        ["in_enc_policy"] = "0",
        ["allowed_enc_level"] = "2",
    };

    private static readonly Dictionary<string, string> UtpOnly = new()
    {
        ["enable_outgoing_tcp"] = "false",
        ["enable_incoming_tcp"] = "false",
        ["enable_outgoing_utp"] = "true",
        ["enable_incoming_utp"] = "true",
    };

    private static Dictionary<string, string> Settings(bool rc4, bool utp)
    {
        var settings = new Dictionary<string, string>();
        if (rc4) foreach (var (k, v) in ForcedRc4) settings[k] = v;
        if (utp) foreach (var (k, v) in UtpOnly) settings[k] = v;
        return settings;
    }

    private static string[] ShoalFlags(bool rc4, bool utp) => ["--encryption", rc4 ? "require" : "off", "--transport", utp ? "utp" : "tcp"];

    public static TheoryData<bool, bool> Modes => new() { { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Shoal_downloads_from_libtorrent(bool rc4, bool utp)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("lt-to-shoal");
        string content = dir.WriteRandomFile("seed/data.bin", 2 * 1024 * 1024 + 123, seed: 21);
        var created = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("data.torrent"), [], cancellationToken: Ct);
        await using var seeder = await LibtorrentPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"),
            new LibtorrentOptions { ExtraSettings = Settings(rc4, utp), UploadRateLimit = 1024 * 1024 }, Ct);
        await seeder.WaitForCompletionAsync(Bound, Ct);

        await using var leecher = await ShoalPeer.DownloadAsync(created.TorrentPath, dir.Combine("leech"), new ShoalOptions
        {
            ConnectTo = [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)],
            ExtraArguments = ShoalFlags(rc4, utp),
        }, Ct);
        await leecher.WaitForCompletionAsync(Bound, Ct);

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "data.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
        Assert.Equal(utp, leecher.MaxSeen("peers_utp") >= 1);
        Assert.Equal(rc4, leecher.MaxSeen("peers_encrypted") >= 1);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Libtorrent_downloads_from_shoal(bool rc4, bool utp)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("shoal-to-lt");
        string content = dir.WriteRandomFile("seed/data.bin", 2 * 1024 * 1024 + 321, seed: 22);
        var created = await LibtorrentPeer.CreateTorrentAsync(content, dir.Combine("data.torrent"), [], cancellationToken: Ct);
        await using var seeder = await ShoalPeer.SeedAsync(created.TorrentPath, dir.Combine("seed"), new ShoalOptions
        {
            UploadRateLimit = 1024 * 1024,
            ExtraArguments = ShoalFlags(rc4, utp),
        }, Ct);
        await seeder.WaitForCompletionAsync(Bound, Ct);

        await using var leecher = await LibtorrentPeer.DownloadAsync(created.TorrentPath, dir.Combine("leech"), new LibtorrentOptions
        {
            ExtraSettings = Settings(rc4, utp),
            ConnectTo = [new IPEndPoint(IPAddress.Loopback, seeder.ListenPort)],
        }, Ct);
        await leecher.WaitForCompletionAsync(Bound, Ct);

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "data.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}");
        Assert.Equal(utp, seeder.MaxSeen("peers_utp") >= 1);
        Assert.Equal(rc4, seeder.MaxSeen("peers_encrypted") >= 1);
    }
}
