using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Shoal.Client;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using Shoal.Wire;

namespace Shoal.Harness;

/// <summary>
/// Magnet link to metadata in hand (BEP 9) on 127.0.0.1, both ways: Shoal fetching from a libtorrent seeder, and
/// libtorrent fetching from a Shoal seeder. The torrent has <c>pieces</c> 16 KiB pieces (20,000 pieces = 400 KB of
/// hashes); its content is a sparse file of zeros, which both seeders check like any other. Shoal is timed from the
/// start of the fetch (connect, handshakes, metadata, SHA-1 check, parse) to the parsed info dictionary; libtorrent
/// from its add_torrent_alert (after which it dials the seeder) to its metadata_received_alert, both as lt_peer.py
/// timestamps them, with libtorrent's outgoing encryption off (see below); libtorrent fetching from libtorrent is the
/// reference, and libtorrent with its default encryption policy shows what a user sees. One untimed warm-up each,
/// then the runs alternate.
/// </summary>
public sealed class MetadataScenario(int pieces, int runs, TimeSpan timeout, TextWriter log)
{
    private const int PieceLength = 16 * 1024;

    public async Task<MetadataReport> RunAsync(CancellationToken cancellationToken)
    {
        using var work = new TempDirectory("harness-metadata");
        var (info, torrentPath) = CreateTorrent(work);
        log.WriteLine($"torrent: {pieces} pieces, info dictionary {info.RawInfo.Length} bytes ({MetadataMessage.PieceCount(info.RawInfo.Length)} metadata pieces)");

        await using var ltSeeder = await LibtorrentPeer.SeedAsync(torrentPath, work.Path, cancellationToken: cancellationToken);
        await ltSeeder.WaitForCompletionAsync(timeout, cancellationToken);
        await using var shoal = await ShoalClient.StartAsync(new ClientOptions { Engine = new EngineSettings { ListenAddress = IPAddress.Loopback } });
        var seeding = await shoal.AddAsync(info, [], work.Path, ct: cancellationToken);
        if (!seeding.Session.IsComplete) throw new InvalidOperationException("the Shoal seeder did not find its data complete");
        var ltEndPoint = new IPEndPoint(IPAddress.Loopback, ltSeeder.ListenPort);

        var results = new List<MetadataRun>();
        for (int round = 0; round <= runs; round++)
        {
            bool warmup = round == 0;
            var shoalSeconds = await ShoalFetchAsync(shoal, info, ltEndPoint, cancellationToken);
            var ltSeconds = await LibtorrentFetchAsync(info, shoal.Engine.ListenEndPoint, work.Combine($"lt-{round}"), cancellationToken);
            var ltLtSeconds = await LibtorrentFetchAsync(info, ltEndPoint, work.Combine($"ltlt-{round}"), cancellationToken);
            var ltDefaultSeconds = await LibtorrentFetchAsync(info, shoal.Engine.ListenEndPoint, work.Combine($"ltdef-{round}"), cancellationToken, plainOnly: false);
            log.WriteLine($"  {(warmup ? "warm-up" : $"round {round}"),-8} shoal←lt {Ms(shoalSeconds)} | lt←shoal {Ms(ltSeconds.FromAdd)} " +
                $"(connected→ {Ms(ltSeconds.FromConnect)}) | lt←lt {Ms(ltLtSeconds.FromAdd)} (connected→ {Ms(ltLtSeconds.FromConnect)}) | " +
                $"lt, MSE first, ←shoal {Ms(ltDefaultSeconds.FromAdd)}" + (warmup ? "  (not counted)" : ""));
            if (!warmup)
            {
                results.Add(new MetadataRun("shoal<-lt", round, shoalSeconds));
                results.Add(new MetadataRun("lt<-shoal (from add)", round, ltSeconds.FromAdd));
                results.Add(new MetadataRun("lt<-shoal (from connect)", round, ltSeconds.FromConnect));
                results.Add(new MetadataRun("lt<-lt (from add)", round, ltLtSeconds.FromAdd));
                results.Add(new MetadataRun("lt<-lt (from connect)", round, ltLtSeconds.FromConnect));
                results.Add(new MetadataRun("lt, MSE first, <-shoal (from add)", round, ltDefaultSeconds.FromAdd));
            }
        }
        return new MetadataReport(pieces, info.RawInfo.Length, results, MachineInfo.Describe());
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>A single-file torrent over a sparse file of zeros: every piece has the same hash.</summary>
    private (TorrentInfo Info, string TorrentPath) CreateTorrent(TempDirectory work)
    {
        const string name = "zeros.bin";
        long length = (long)pieces * PieceLength - 1234;
        using (var file = File.Create(work.Combine(name))) file.SetLength(length);
        var full = SHA1.HashData(new byte[PieceLength]);
        var last = SHA1.HashData(new byte[length - (long)(pieces - 1) * PieceLength]);
        var hashes = new byte[pieces * 20];
        for (int i = 0; i < pieces - 1; i++) full.CopyTo(hashes, i * 20);
        last.CopyTo(hashes, (pieces - 1) * 20);
        var info = TorrentInfo.Create(name, PieceLength, hashes, [([name], length, false)], multiFile: false);
        var torrentPath = work.Combine("zeros.torrent");
        File.WriteAllBytes(torrentPath, [.. "d4:info"u8, .. info.RawInfo.Span, (byte)'e']);
        return (info, torrentPath);
    }

    private async Task<double> ShoalFetchAsync(ShoalClient shoal, TorrentInfo expected, IPEndPoint seeder, CancellationToken cancellationToken)
    {
        // A magnet torrent in an engine of its own (the client seeds this torrent): connect, handshake, fetch, verify and
        // parse, timed from the add; stopped once the metadata is in.
        await using var engine = await ClientEngine.StartAsync(new EngineSettings { ListenAddress = IPAddress.Loopback });
        var clock = Stopwatch.StartNew();
        var session = engine.AddMagnet(expected.InfoHash);
        session.AddPeers([seeder], PeerSource.Manual);
        var info = await session.MetadataReceived.WaitAsync(timeout, cancellationToken);
        double seconds = clock.Elapsed.TotalSeconds;
        await session.DisposeAsync();
        if (!info.RawInfo.Span.SequenceEqual(expected.RawInfo.Span)) throw new InvalidOperationException("Shoal fetched different metadata");
        return seconds;
    }

    /// <summary>libtorrent's times from adding the magnet, and from its (last) connection to the seeder, to the metadata.</summary>
    private async Task<(double FromAdd, double FromConnect)> LibtorrentFetchAsync(TorrentInfo info, IPEndPoint seeder, string directory, CancellationToken cancellationToken,
        bool plainOnly = true)
    {
        var added = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var metadata = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        double connected = double.NaN;
        Directory.CreateDirectory(directory);
        string magnet = $"magnet:?xt=urn:btih:{info.InfoHash.ToHex()}";
        // Download mode with every file skipped would need priorities; instead the run ends as soon as the metadata is in.
        await using var process = ReferenceProcess.Start("libtorrent magnet", ReferenceExecutables.DebianPython,
            [ReferenceExecutables.LibtorrentScript, "download", "--magnet", magnet, "--save", directory,
             "--port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--peer", seeder.ToString(), "--status-interval", "10",
             // libtorrent tries an encrypted (MSE) handshake first; Shoal speaks plain BitTorrent only, so that attempt
             // fails and libtorrent redials in plain after ~1 s. Plain from the start measures the metadata exchange itself.
             .. (plainOnly ? new[] { "--set", "out_enc_policy=2" } : [])],
            line =>
            {
                if (!line.StartsWith('{')) return;
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var name = root.GetProperty("event").GetString();
                if (name == "added") added.TrySetResult(root.GetProperty("t").GetDouble());
                else if (name == "peer_connected") Volatile.Write(ref connected, root.GetProperty("t").GetDouble());
                else if (name == "metadata") metadata.TrySetResult(root.GetProperty("t").GetDouble());
            }, keepStdinOpen: true);
        var first = await Task.WhenAny(metadata.Task, process.Exited).WaitAsync(timeout, cancellationToken);
        if (first != metadata.Task) throw new ReferencePeerException($"libtorrent did not get the metadata\n{process.Describe()}");
        double done = await metadata.Task;
        var seconds = (done - await added.Task, done - Volatile.Read(ref connected));
        await process.WriteLineAsync("quit");
        await process.DisposeAsync();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        return seconds;
    }
}

public sealed record MetadataRun(string Direction, int Round, double Seconds);

public sealed record MetadataReport(int Pieces, int MetadataBytes, IReadOnlyList<MetadataRun> Runs, MachineInfo Machine)
{
    public string Scenario => "metadata";

    public IReadOnlyDictionary<string, double> MedianMilliseconds =>
        Runs.GroupBy(r => r.Direction).ToDictionary(g => g.Key, g => Statistics.Median(g.Select(r => r.Seconds * 1000)));
}
