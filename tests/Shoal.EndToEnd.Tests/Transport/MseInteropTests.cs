using System.Net;
using System.Net.Sockets;
using Shoal.Transport.Mse;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Transport;

/// <summary>
/// Shoal's MSE/PE handshake against libtorrent 2.0, without the engine: the handshake and a few BitTorrent messages
/// driven by <see cref="MiniPeer"/> over the encrypted stream, both as initiator (fetching the bitfield and a block
/// from a libtorrent seeder) and as responder (seeding a small torrent to a libtorrent leecher that dials us).
/// libtorrent's settings per INTEROP.md "Encryption".
/// </summary>
[Trait("Category", "Interop")]
public sealed class MseInteropTests
{
    private const int PieceLength = 64 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string> Forced = new()
    {
        ["out_enc_policy"] = "0",
        ["in_enc_policy"] = "0",
        ["allowed_enc_level"] = "2",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, EncryptionPolicy, MseCryptoMethods> Cases => new()
    {
        // libtorrent forced to RC4 only; we require encryption
        { "forced-rc4", EncryptionPolicy.Require, MseCryptoMethods.Rc4 },
        // libtorrent's defaults (encryption enabled, both levels, prefer_rc4 off): it picks plaintext from our offer of both
        { "default", EncryptionPolicy.Prefer, MseCryptoMethods.Plaintext },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fetches_the_bitfield_and_a_block_from_a_libtorrent_seeder_over_mse(string settings, EncryptionPolicy policy, MseCryptoMethods expected)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("mse-seed");
        var (data, torrent, created) = await MakeTorrentAsync(dir, 3 * PieceLength + 1000);
        await using var seeder = await LibtorrentPeer.SeedAsync(torrent, dir.Combine("seed"),
            new LibtorrentOptions { ExtraSettings = settings == "forced-rc4" ? Forced : new Dictionary<string, string>() }, Ct);
        await seeder.WaitForCompletionAsync(Bound, Ct);
        var endpoint = new IPEndPoint(IPAddress.Loopback, seeder.ListenPort);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Bound);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint, timeout.Token);
        var result = await MseHandshake.InitiateAsync(tcp.GetStream(), created.InfoHash, policy, MiniPeer.Handshake(created.InfoHash), timeout.Token);
        Assert.Equal(expected, result.Method);
        await using var stream = result.Stream;
        var theirs = await MiniPeer.ReadHandshakeAsync(stream, timeout.Token);
        Assert.Equal(created.InfoHash, theirs.InfoHash);

        var (bitfield, block) = await MiniPeer.FetchFirstBlockAsync(stream, 16 * 1024, timeout.Token);
        Assert.Equal([0xF0], bitfield); // 4 pieces, all present
        Assert.Equal(data.AsSpan(0, 16 * 1024).ToArray(), block);
    }

    [Fact]
    public async Task A_libtorrent_seeder_that_forces_encryption_refuses_a_plaintext_handshake()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("mse-refuse");
        var (_, torrent, created) = await MakeTorrentAsync(dir, PieceLength);
        await using var seeder = await LibtorrentPeer.SeedAsync(torrent, dir.Combine("seed"), new LibtorrentOptions { ExtraSettings = Forced }, Ct);
        await seeder.WaitForCompletionAsync(Bound, Ct);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, seeder.ListenPort), Ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(MiniPeer.Handshake(created.InfoHash), Ct);
        var buffer = new byte[68];
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), Ct);
        }
        catch (IOException)
        {
            read = 0; // reset rather than closed: refused all the same
        }
        Assert.Equal(0, read);
    }

    [Fact]
    public async Task A_libtorrent_leecher_that_forces_encryption_downloads_from_our_responder()
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("mse-serve");
        var (data, torrent, created) = await MakeTorrentAsync(dir, 5 * PieceLength + 123);
        var index = new MseTorrentIndex();
        index.Add(created.InfoHash);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        await using var leecher = await LibtorrentPeer.DownloadAsync(torrent, dir.Combine("leech"), new LibtorrentOptions
        {
            ExtraSettings = Forced,
            ConnectTo = [(IPEndPoint)listener.LocalEndpoint],
        }, Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Bound);
        using var client = await listener.AcceptTcpClientAsync(timeout.Token);
        var network = client.GetStream();
        var first = new byte[20];
        await network.ReadExactlyAsync(first, timeout.Token);
        Assert.True(MseHandshake.LooksEncrypted(first), "libtorrent forced to encrypt sent a plaintext handshake");
        var result = await MseHandshake.RespondAsync(network, first, index.TryFind, EncryptionPolicy.Require, timeout.Token);
        Assert.Equal(MseCryptoMethods.Rc4, result.Method);
        Assert.Equal(created.InfoHash, result.InfoHash);
        Assert.Equal(Wire.Handshake.Length, result.InitialPayload.Length); // libtorrent puts its handshake in IA
        Assert.Equal(created.InfoHash, Wire.Handshake.Parse(result.InitialPayload.Span).InfoHash);

        await using var stream = result.Stream;
        await stream.WriteAsync(MiniPeer.Handshake(created.InfoHash), timeout.Token);
        var serving = MiniPeer.ServeAsync(stream, data, PieceLength, timeout.Token);
        await leecher.WaitForCompletionAsync(Bound, Ct);
        var differences = ContentComparison.Differences(dir.Combine("seed", "payload.bin"), dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, differences);
        await leecher.DisposeAsync(); // closes the connection: the server loop ends
        Assert.True(await serving.WaitAsync(Bound, Ct) >= data.Length);
    }

    internal static async Task<(byte[] Data, string Torrent, CreatedTorrent Created)> MakeTorrentAsync(TempDirectory dir, int length)
    {
        var path = dir.WriteRandomFile("seed/payload.bin", length, seed: length);
        var torrent = dir.Combine("payload.torrent");
        var created = await LibtorrentPeer.CreateTorrentAsync(path, torrent, pieceLength: PieceLength, cancellationToken: Ct);
        return (await File.ReadAllBytesAsync(path, Ct), torrent, created);
    }
}
