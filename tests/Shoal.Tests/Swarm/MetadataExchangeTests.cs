using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// BEP 9: Shoal serves its info dictionary, fetches one for a magnet link over the same connections it then downloads
/// over, and is not fooled by bad peers. Magnet tests run on the in-memory network and fake time.
/// </summary>
public class MetadataExchangeTests
{
    private static readonly EngineSettings Loopback = new() { ListenAddress = IPAddress.Loopback };

    /// <summary>A magnet torrent in an engine on an in-memory network, on fake time.</summary>
    private sealed class MagnetRig : IAsyncDisposable
    {
        private MagnetRig(EngineSettings? settings)
        {
            Engine = ClientEngine.Start(settings ?? new EngineSettings { RandomSeed = 1 }, Network.NewHost(), Time);
            Session = Engine.AddMagnet(Torrent.Info.InfoHash);
        }

        public InMemoryNetwork Network { get; } = new();
        public FakeTimeProvider Time { get; } = new();
        public ClientEngine Engine { get; }
        public TorrentSession Session { get; }

        public static MagnetRig Start(EngineSettings? settings = null) => new(settings);

        public void AddPeers(params IPEndPoint[] peers) => Session.AddPeers(peers, PeerSource.Manual);

        public Task<TorrentInfo> Fetch => Session.MetadataReceived;

        public ValueTask DisposeAsync() => Engine.DisposeAsync();
    }

    private static ClientOptions InMemory(InMemoryNetwork network, TimeProvider time) =>
        new() { Engine = new EngineSettings { RandomSeed = 2 }, Transports = _ => network.NewHost(), Time = time };

    /// <summary>A multi-file torrent whose info dictionary spans several 16 KiB metadata pieces.</summary>
    internal static (TorrentInfo Info, byte[] Content) ManyFiles(int files = 300, int seed = 1)
    {
        var random = new Random(seed);
        var entries = new List<(IReadOnlyList<string>, long, bool)>();
        var content = new MemoryStream();
        for (int i = 0; i < files; i++)
        {
            var bytes = new byte[500 + random.Next(1500)];
            random.NextBytes(bytes);
            content.Write(bytes);
            entries.Add(([$"folder-{i % 7}", $"file-{i:0000}-{new string('x', 90)}.bin"], bytes.Length, false));
        }
        var data = content.ToArray();
        const int pieceLength = 16 * 1024;
        int pieces = (data.Length + pieceLength - 1) / pieceLength;
        var hashes = new byte[pieces * 20];
        for (int p = 0; p < pieces; p++)
            SHA1.HashData(data.AsSpan(p * pieceLength, Math.Min(pieceLength, data.Length - p * pieceLength)), hashes.AsSpan(p * 20));
        return (TorrentInfo.Create("many", pieceLength, hashes, entries, multiFile: true), data);
    }

    private static readonly (TorrentInfo Info, byte[] Content) Torrent = ManyFiles();
    private static byte[] Metadata => Torrent.Info.RawInfo.ToArray();

    [Fact]
    public async Task A_magnets_new_peers_are_reported_as_they_arrive_not_at_the_next_tick()
    {
        await using var rig = MagnetRig.Start();
        var reports = new List<MetadataProgress>();
        rig.Session.MetadataProgressChanged += p => { lock (reports) reports.Add(p); };
        var peer = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 6881);
        rig.AddPeers(peer); // fake time stands still: no tick reports anything
        lock (reports) Assert.Contains(reports, r => r.KnownPeers == 1);
        int count;
        lock (reports) count = reports.Count;
        rig.AddPeers(peer); // known already: nothing new to report
        lock (reports) Assert.Equal(count, reports.Count);
    }

    [Fact]
    public void The_test_metadata_spans_several_pieces()
    {
        Assert.True(MetadataMessage.PieceCount(Metadata.Length) >= 3, $"{Metadata.Length} bytes");
    }

    [Fact]
    public async Task Magnet_leecher_gets_metadata_then_data_from_a_Shoal_seeder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("magnet");
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        await using var seeder = await ShoalClient.StartAsync(InMemory(network, time));
        seeder.Add(Torrent.Info, [], MemoryStorage.CreateSeeded(Torrent.Info, Torrent.Content));
        await using var leecher = await ShoalClient.StartAsync(InMemory(network, time));

        var reports = new List<MetadataProgress>();
        var progress = new SynchronousProgress<MetadataProgress>(p => { lock (reports) reports.Add(p); });
        var torrent = await leecher.AddMagnetAsync(Torrent.Info.InfoHash, [], [seeder.Engine.ListenEndPoint], dir.Path, progress, ct: ct)
            .WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, torrent.Info.RawInfo.ToArray());
        await torrent.Completion.WaitAsync(TimeSpan.FromSeconds(20), ct);

        var received = new MemoryStream();
        foreach (var file in torrent.Info.Files) received.Write(File.ReadAllBytes(Path.Combine(dir.Path, "many", Path.Combine([.. file.PathSegments]))));
        Assert.Equal(Torrent.Content, received.ToArray());
        lock (reports) Assert.Contains(reports, r => r.TotalBytes == Metadata.Length && r.ConnectedPeers == 1);
        // One engine: the metadata and the data came over the one connection, never dropped and dialled again.
        Assert.Equal(1, network.AcceptedBy(seeder.Engine.ListenEndPoint));
    }

    [Fact]
    public async Task A_magnet_link_with_a_peer_yields_a_torrent_that_saves_as_a_torrent_file()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("magnet-link");
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        await using var seeder = await ShoalClient.StartAsync(InMemory(network, time));
        seeder.Add(Torrent.Info, [], MemoryStorage.CreateSeeded(Torrent.Info, Torrent.Content));
        await using var leecher = await ShoalClient.StartAsync(InMemory(network, time));
        // The tracker cannot be reached (port 1 on loopback): the fetch relies on the x.pe peer and keeps the tracker for the .torrent.
        var link = MagnetLink.Parse($"magnet:?xt=urn:btih:{Torrent.Info.InfoHash.ToHex()}&dn=many&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce" +
            $"&x.pe={seeder.Engine.ListenEndPoint}");
        var torrent = await leecher.AddMagnetAsync(link, dir.Path, ct: ct).WaitAsync(TimeSpan.FromSeconds(20), ct);
        var path = dir.Combine("saved.torrent");
        torrent.ToTorrent().Save(path);
        var saved = Shoal.Metainfo.Torrent.Load(path);
        Assert.Equal(Torrent.Info.InfoHash, saved.InfoHash);
        Assert.Equal(Metadata, saved.Info.RawInfo.ToArray());
        Assert.Equal(["http://127.0.0.1:1/announce"], saved.Trackers);
        await torrent.Completion.WaitAsync(TimeSpan.FromSeconds(20), ct);
    }

    [Fact]
    public async Task A_seeder_that_dials_a_magnet_leecher_serves_it_the_metadata_and_the_data()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("magnet-incoming");
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        await using var leecher = await ShoalClient.StartAsync(InMemory(network, time));
        var fetch = leecher.AddMagnetAsync(Torrent.Info.InfoHash, [], [], dir.Path, ct: ct);
        await using var seeder = await ShoalClient.StartAsync(InMemory(network, time));
        // As when the seeder hears the leecher's LSD announce: the leecher knows no one, the seeder dials it.
        seeder.Add(Torrent.Info, [], MemoryStorage.CreateSeeded(Torrent.Info, Torrent.Content)).AddPeers([leecher.Engine.ListenEndPoint]);
        var torrent = await fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, torrent.Info.RawInfo.ToArray());
        await torrent.Completion.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(1, network.AcceptedBy(leecher.Engine.ListenEndPoint));
    }

    [Fact]
    public async Task Disposing_the_client_ends_a_metadata_fetch_in_flight()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("magnet-dispose");
        var network = new InMemoryNetwork();
        await using var silent = FakeMetadataPeer.Scripted(network, Torrent.Info.InfoHash, Metadata.Length, _ => (byte[]?)null);
        var client = await ShoalClient.StartAsync(InMemory(network, new FakeTimeProvider()));
        var fetch = client.AddMagnetAsync(Torrent.Info.InfoHash, [], [silent.EndPoint], dir.Path, ct: ct);
        await WaitUntilAsync(() => silent.Requests > 0, ct);
        await client.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch.WaitAsync(TimeSpan.FromSeconds(10), ct));
        await WaitUntilAsync(() => silent.ClosedByRemote > 0, ct);
    }

    [Fact]
    public async Task Fetcher_asks_several_seeders_in_parallel()
    {
        var ct = TestContext.Current.CancellationToken;
        var seeders = new List<FakeMetadataPeer>();
        try
        {
            await using var rig = MagnetRig.Start(new EngineSettings { MetadataRequestsPerPeer = 1 });
            // Answers wait until a second seeder was asked (or 5 s pass): a fast first seeder must not hide a serial fetcher.
            var release = new TaskCompletionSource();
            for (int i = 0; i < 3; i++) seeders.Add(FakeMetadataPeer.HonestHeld(rig.Network, Torrent.Info.InfoHash, Metadata, release.Task));
            rig.AddPeers([.. seeders.Select(s => s.EndPoint)]);
            _ = Task.Run(async () =>
            {
                for (int waited = 0; waited < 500 && seeders.Count(s => s.Requests > 0) < 2; waited++) await Task.Delay(10, ct);
                release.TrySetResult();
            }, ct);
            var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
            Assert.Equal(Metadata, info.RawInfo.ToArray());
            Assert.True(seeders.Count(s => s.Requests > 0) >= 2, string.Join(",", seeders.Select(s => s.Requests)));
        }
        finally
        {
            foreach (var s in seeders) await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task Shoal_seeder_serves_every_piece_and_rejects_out_of_range_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = await ClientEngine.StartAsync(Loopback);
        engine.AddTorrent(Torrent.Info, MemoryStorage.CreateSeeded(Torrent.Info, Torrent.Content));
        await using var peer = await ScriptedPeer.ConnectAsync(engine.ListenEndPoint, ct);
        await peer.SendHandshakeAsync(Torrent.Info.InfoHash);
        await peer.ReceiveHandshakeAsync(ct);
        var theirs = await ReceiveExtensionHandshakeAsync(peer, ct);
        Assert.Equal(Metadata.Length, theirs.MetadataSize);
        byte id = theirs.Extensions[MetadataMessage.ExtensionName];

        await SendOursAsync(peer);
        int pieces = MetadataMessage.PieceCount(Metadata.Length);
        var assembled = new byte[Metadata.Length];
        for (int piece = 0; piece < pieces; piece++)
        {
            await peer.SendAsync(b => MessageWriter.WriteExtended(b, id, MetadataMessage.EncodeRequest(piece)));
            var (message, data) = await ReceiveMetadataAsync(peer, ct);
            Assert.Equal(new MetadataMessage(MetadataMessageType.Data, piece, Metadata.Length), message);
            data.CopyTo(assembled, piece * MetadataMessage.PieceSize);
        }
        Assert.Equal(Metadata, assembled);

        await peer.SendAsync(b => MessageWriter.WriteExtended(b, id, MetadataMessage.EncodeRequest(pieces + 3)));
        var (reject, _) = await ReceiveMetadataAsync(peer, ct);
        Assert.Equal(new MetadataMessage(MetadataMessageType.Reject, pieces + 3), reject);
    }

    [Fact]
    public async Task Shoal_seeder_rejects_a_request_flood_then_disconnects()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var engine = await ClientEngine.StartAsync(Loopback);
        engine.AddTorrent(Torrent.Info, MemoryStorage.CreateSeeded(Torrent.Info, Torrent.Content));
        await using var peer = await ScriptedPeer.ConnectAsync(engine.ListenEndPoint, ct);
        await peer.SendHandshakeAsync(Torrent.Info.InfoHash);
        await peer.ReceiveHandshakeAsync(ct);
        byte id = (await ReceiveExtensionHandshakeAsync(peer, ct)).Extensions[MetadataMessage.ExtensionName];
        await SendOursAsync(peer);
        int budget = 3 * MetadataMessage.PieceCount(Metadata.Length) + 4;
        var burst = new MemoryStream();
        var one = new byte[64];
        int n = MessageWriter.WriteExtended(one, id, MetadataMessage.EncodeRequest(0));
        for (int i = 0; i < budget + 1; i++) burst.Write(one, 0, n);
        await peer.SendAsync(burst.ToArray());
        int data = 0, rejects = 0;
        while (data + rejects < budget + 1)
        {
            var (message, _) = await ReceiveMetadataAsync(peer, ct);
            if (message.Type == MetadataMessageType.Data) data++;
            else rejects++;
        }
        Assert.Equal(budget, data);
        Assert.Equal(1, rejects);

        burst.SetLength(0);
        for (int i = 0; i < 10 * budget + 100; i++) burst.Write(one, 0, n);
        await peer.SendAsync(burst.ToArray());
        Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_piece_of_the_wrong_size_bans_its_sender_and_the_fetch_completes_elsewhere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = MagnetRig.Start();
        await using var liar = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, Metadata.Length,
            piece => MetadataMessage.EncodeData(piece, Metadata.Length, new byte[100]));
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(liar.EndPoint);
        await WaitUntilAsync(() => liar.ClosedByRemote > 0, ct);
        rig.AddPeers(honest.EndPoint);
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Torrent.Info.InfoHash, info.InfoHash);
        Assert.Equal(1, liar.Connections);
        Assert.DoesNotContain(rig.Session.KnownPeers, p => p.EndPoint.Equals(liar.EndPoint));
    }

    [Fact]
    public async Task Bad_bencode_in_a_metadata_message_bans_its_sender()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = MagnetRig.Start();
        await using var liar = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, Metadata.Length, _ => "d8:msg_typei1e5:piecei0e10:total_sizei"u8.ToArray());
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(liar.EndPoint);
        await WaitUntilAsync(() => liar.ClosedByRemote > 0, ct);
        await WaitUntilAsync(() => !rig.Session.KnownPeers.Any(p => p.EndPoint.Equals(liar.EndPoint)), ct);
        rig.AddPeers(honest.EndPoint, liar.EndPoint);
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
        Assert.Equal(1, liar.Connections);
    }

    [Fact]
    public async Task Data_for_pieces_never_asked_for_is_ignored()
    {
        var ct = TestContext.Current.CancellationToken;
        // Answers every request with the right piece, preceded by junk for a piece out of range, one not asked for,
        // and a message type that does not exist yet (BEP 9: ignore it).
        int pieces = MetadataMessage.PieceCount(Metadata.Length);
        await using var rig = MagnetRig.Start(new EngineSettings { MetadataRequestsPerPeer = 1 });
        await using var odd = FakeMetadataPeer.ScriptedMany(rig.Network, Torrent.Info.InfoHash, Metadata.Length, piece =>
        [
            MetadataMessage.EncodeData(2000, Metadata.Length, new byte[10]),
            FakeMetadataPeer.Data((piece + 1) % pieces, Metadata),
            "d8:msg_typei9e5:piecei0ee"u8.ToArray(),
            FakeMetadataPeer.Data(piece, Metadata),
        ]);
        rig.AddPeers(odd.EndPoint);
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
        Assert.Equal(1, odd.Connections);
        Assert.Equal(0, rig.Session.MetadataProgress.FailedAttempts);
    }

    [Fact]
    public async Task Mixed_metadata_not_matching_the_info_hash_is_rejected_and_refetched_from_one_peer_at_a_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var forged = (byte[])Metadata.Clone();
        forged[100] ^= 0x20;
        // The liar answers only piece 0 (forged) and stays silent after; the honest peer serves the rest, so the first
        // attempt mixes both and fails. Then one peer at a time: the liar (first connected) times out, the honest one completes.
        await using var rig = MagnetRig.Start(new EngineSettings { MetadataRequestsPerPeer = 1, MetadataRequestTimeout = TimeSpan.FromSeconds(2) });
        await using var liar = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, Metadata.Length, piece => piece == 0 ? FakeMetadataPeer.Data(0, forged) : null);
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(liar.EndPoint);
        await WaitUntilAsync(() => liar.Requests >= 2, ct);
        rig.AddPeers(honest.EndPoint);
        // The first attempt fails once the honest peer served the rest; the liar, asked alone, then sits on a request.
        await WaitUntilAsync(() => rig.Session.MetadataProgress.FailedAttempts == 1, ct);
        Assert.False(rig.Fetch.IsCompleted);
        await WaitUntilAsync(() => liar.Requests >= 4, ct);
        rig.Time.Advance(TimeSpan.FromSeconds(3));
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
        Assert.Equal(1, rig.Session.MetadataProgress.FailedAttempts);
    }

    [Fact]
    public async Task A_lone_liar_is_banned_and_the_fetch_waits_for_an_honest_peer()
    {
        var ct = TestContext.Current.CancellationToken;
        var forged = (byte[])Metadata.Clone();
        forged[10] ^= 1;
        await using var rig = MagnetRig.Start();
        await using var liar = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, forged);
        rig.AddPeers(liar.EndPoint);
        await WaitUntilAsync(() => rig.Session.MetadataProgress.FailedAttempts == 1 && liar.ClosedByRemote > 0, ct);
        Assert.False(rig.Fetch.IsCompleted);
        Assert.Empty(rig.Session.KnownPeers);
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(honest.EndPoint, liar.EndPoint);
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
        Assert.Equal(1, liar.Connections);
    }

    [Fact]
    public async Task An_oversized_metadata_size_is_refused_without_a_request()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = MagnetRig.Start();
        await using var greedy = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, 64 * 1024 * 1024, _ => (byte[]?)null);
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(greedy.EndPoint, honest.EndPoint);
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
        // The honest peer may deliver before the greedy one's extension handshake is read (it failed CI once under load):
        // wait for the refusal itself, then check nothing was ever asked of it.
        await WaitUntilAsync(() => !rig.Session.KnownPeers.Any(p => p.EndPoint.Equals(greedy.EndPoint)), ct);
        Assert.Equal(0, greedy.Requests);
    }

    [Fact]
    public async Task A_silent_peer_lying_about_the_metadata_size_first_does_not_stall_the_fetch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = MagnetRig.Start(new EngineSettings { MetadataRequestTimeout = TimeSpan.FromSeconds(5) });
        await using var liar = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, Metadata.Length * 3, _ => (byte[]?)null);
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(liar.EndPoint);
        await WaitUntilAsync(() => liar.Requests > 0, ct);
        rig.AddPeers(honest.EndPoint);
        await WaitUntilAsync(() => rig.Session.MetadataProgress.PeersWithMetadata == 2, ct);
        Assert.Equal(0, honest.Requests); // the fetch follows the liar's size for now
        rig.Time.Advance(TimeSpan.FromSeconds(6));
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
    }

    [Fact]
    [Trait("Category", "Hostile")]
    public async Task A_peer_that_lied_about_the_metadata_size_is_dropped_once_the_metadata_verifies()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = MagnetRig.Start(new EngineSettings { MetadataRequestTimeout = TimeSpan.FromSeconds(5) });
        await using var liar = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, Metadata.Length * 3, _ => (byte[]?)null);
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        await using var alsoHonest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(liar.EndPoint);
        await WaitUntilAsync(() => liar.Requests > 0, ct);
        rig.AddPeers(honest.EndPoint, alsoHonest.EndPoint);
        await WaitUntilAsync(() => rig.Session.MetadataProgress.PeersWithMetadata == 3, ct);
        rig.Time.Advance(TimeSpan.FromSeconds(6));
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
        // The size is proven now: whoever announced another one lied, and goes; the honest peers stay.
        // The fake peer sees the close before the session has taken the connection off its list: wait for both.
        await WaitUntilAsync(() => liar.ClosedByRemote > 0 && rig.Session.GetStatus().Peers.Count == 2, ct);
        Assert.DoesNotContain(rig.Session.KnownPeers, p => p.EndPoint.Equals(liar.EndPoint));
        Assert.Equal(0, honest.ClosedByRemote + alsoHonest.ClosedByRemote);
    }

    [Fact]
    public async Task A_peer_that_rejects_is_not_asked_again_and_others_serve()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = MagnetRig.Start();
        await using var empty = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, Metadata.Length, MetadataMessage.EncodeReject);
        await using var honest = FakeMetadataPeer.Honest(rig.Network, Torrent.Info.InfoHash, Metadata);
        rig.AddPeers(empty.EndPoint);
        await WaitUntilAsync(() => empty.Requests > 0, ct);
        int asked = empty.Requests;
        rig.AddPeers(honest.EndPoint);
        var info = await rig.Fetch.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(Metadata, info.RawInfo.ToArray());
        Assert.Equal(asked, empty.Requests);
        // It stays connected: it may have the data once we have the metadata.
        Assert.Equal(0, empty.ClosedByRemote);
    }

    [Fact]
    public async Task Stopping_a_magnet_torrent_closes_its_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = MagnetRig.Start();
        await using var silent = FakeMetadataPeer.Scripted(rig.Network, Torrent.Info.InfoHash, Metadata.Length, _ => (byte[]?)null);
        rig.AddPeers(silent.EndPoint);
        await WaitUntilAsync(() => silent.Requests > 0, ct);
        await rig.Session.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Fetch);
        await WaitUntilAsync(() => silent.ClosedByRemote > 0, ct);
    }

    private static async Task<ExtensionHandshake> ReceiveExtensionHandshakeAsync(ScriptedPeer peer, CancellationToken ct)
    {
        while (await peer.ReceiveExtendedAsync(ct) is { } m)
            if (m.ExtendedId == 0) return ExtensionHandshake.Parse(m.Payload);
        throw new InvalidOperationException("closed before the extension handshake");
    }

    private static Task SendOursAsync(ScriptedPeer peer)
    {
        var ours = new ExtensionHandshake();
        ours.Extensions[MetadataMessage.ExtensionName] = 7;
        return peer.SendAsync(b => MessageWriter.WriteExtended(b, 0, ours.Encode()));
    }

    private static async Task<(MetadataMessage Message, byte[] Data)> ReceiveMetadataAsync(ScriptedPeer peer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (await peer.ReceiveExtendedAsync(timeout.Token) is { } m)
        {
            if (m.ExtendedId != 7) continue;
            Assert.True(MetadataMessage.TryParse(m.Payload, out var message, out int offset));
            return (message, m.Payload[offset..]);
        }
        throw new InvalidOperationException("closed before a metadata message");
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and race the asserts).</summary>
    internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
