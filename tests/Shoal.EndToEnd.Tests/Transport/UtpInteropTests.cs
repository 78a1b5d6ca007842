using System.Net;
using Shoal.Transport;
using Shoal.Transport.Mse;
using Shoal.Transport.Utp;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Transport;

/// <summary>
/// Shoal's uTP against libtorrent 2.0's, without the engine: libtorrent with TCP off (INTEROP.md "uTP only"), and the
/// BitTorrent conversation driven by <see cref="MiniPeer"/> over a <see cref="UtpStream"/> — as a leecher of a
/// libtorrent seeder, and as a seeder that a libtorrent leecher dials. One case runs MSE (RC4) over uTP as well.
/// </summary>
[Trait("Category", "Interop")]
public sealed class UtpInteropTests
{
    private const int PieceLength = 64 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> UtpOnly(bool encrypted)
    {
        var settings = new Dictionary<string, string>
        {
            ["enable_outgoing_tcp"] = "false",
            ["enable_incoming_tcp"] = "false",
            ["enable_outgoing_utp"] = "true",
            ["enable_incoming_utp"] = "true",
        };
        if (encrypted)
        {
            settings["out_enc_policy"] = "0";
            settings["in_enc_policy"] = "0";
            settings["allowed_enc_level"] = "2";
        }
        return settings;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fetches_the_bitfield_and_a_block_from_a_libtorrent_seeder_over_utp(bool encrypted)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("utp-seed");
        var (data, torrent, created) = await MseInteropTests.MakeTorrentAsync(dir, 3 * PieceLength + 1000);
        await using var seeder = await LibtorrentPeer.SeedAsync(torrent, dir.Combine("seed"), new LibtorrentOptions { ExtraSettings = UtpOnly(encrypted) }, Ct);
        await seeder.WaitForCompletionAsync(Bound, Ct);

        await using var port = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var utp = new UtpSocketManager(port);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Bound);
        Stream stream = await utp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, seeder.ListenPort), timeout.Token);
        if (encrypted)
        {
            var result = await MseHandshake.InitiateAsync(stream, created.InfoHash, EncryptionPolicy.Require, MiniPeer.Handshake(created.InfoHash), timeout.Token);
            Assert.Equal(MseCryptoMethods.Rc4, result.Method);
            stream = result.Stream;
        }
        else
        {
            await stream.WriteAsync(MiniPeer.Handshake(created.InfoHash), timeout.Token);
        }
        await using (stream)
        {
            Assert.Equal(created.InfoHash, (await MiniPeer.ReadHandshakeAsync(stream, timeout.Token)).InfoHash);
            var (bitfield, block) = await MiniPeer.FetchFirstBlockAsync(stream, 16 * 1024, timeout.Token);
            Assert.Equal([0xF0], bitfield);
            Assert.Equal(data.AsSpan(0, 16 * 1024).ToArray(), block);
        }
    }

    /// <param name="pathMtuDiscovery">Also: libtorrent acknowledges our padded path-MTU probes (it skips the unknown
    /// extension), so the packet size climbs to the default ceiling (1,472 bytes over IPv4, since libtorrent reads
    /// datagrams into 1,500-byte buffers), although loopback's MTU would allow more.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_libtorrent_leecher_downloads_a_torrent_from_us_over_utp_and_rc4(bool pathMtuDiscovery)
    {
        ReferencePrograms.RequireLibtorrent();
        using var dir = new TempDirectory("utp-serve");
        var (data, torrent, created) = await MseInteropTests.MakeTorrentAsync(dir, 40 * PieceLength + 321);
        await using var port = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var utp = new UtpSocketManager(port, UtpOptions.Default with { PathMtuDiscovery = pathMtuDiscovery });

        await using var leecher = await LibtorrentPeer.DownloadAsync(torrent, dir.Combine("leech"), new LibtorrentOptions
        {
            ExtraSettings = UtpOnly(encrypted: false),
            ConnectTo = [port.LocalEndPoint],
        }, Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Bound);
        var utpStream = await utp.AcceptAsync(timeout.Token);
        Stream stream = utpStream;
        // libtorrent's default policy tries an encrypted handshake first: tell them apart by the first bytes, as the
        // engine's listener will.
        var first = new byte[20];
        await stream.ReadExactlyAsync(first, timeout.Token);
        Assert.True(MseHandshake.LooksEncrypted(first), "libtorrent (encryption enabled by default) sent a plaintext handshake");
        var index = new MseTorrentIndex();
        index.Add(created.InfoHash);
        var result = await MseHandshake.RespondAsync(stream, first, index.TryFind, EncryptionPolicy.Prefer, timeout.Token);
        Assert.Equal(MseCryptoMethods.Plaintext, result.Method); // libtorrent offers RC4 and plaintext; Prefer picks plaintext, as libtorrent does
        await using var _ = stream = result.Stream;
        Assert.Equal(created.InfoHash, Wire.Handshake.Parse(result.InitialPayload.Span).InfoHash);
        await stream.WriteAsync(MiniPeer.Handshake(created.InfoHash), timeout.Token);
        var serving = MiniPeer.ServeAsync(stream, data, PieceLength, timeout.Token);
        await leecher.WaitForCompletionAsync(Bound, Ct);
        var differences = ContentComparison.Differences(dir.Combine("seed", "payload.bin"), dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, differences);
        await leecher.DisposeAsync();
        Assert.True(await serving.WaitAsync(Bound, Ct) >= data.Length);
        if (pathMtuDiscovery) Assert.InRange(utpStream.PacketSize, 1472 - PathMtuSearchThreshold + 1, 1472);
        else Assert.Equal(1400, utpStream.PacketSize);
    }

    private const int PathMtuSearchThreshold = 16; // PathMtuSearch.Threshold (internal)
}
