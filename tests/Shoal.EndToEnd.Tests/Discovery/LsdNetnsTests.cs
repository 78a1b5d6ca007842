using System.Text.Json;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Discovery;

/// <summary>
/// Local service discovery (BEP 14) for real: two Shoal processes in separate network namespaces on one bridge, no
/// tracker and no peer address given, find each other by multicast and transfer. LSD never runs outside the namespaces
/// these tests create. Skipped where namespaces cannot be made (not root), except under CI=true (CI runs as root).
/// </summary>
[Trait("Category", "Netns")]
public sealed class LsdNetnsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_leecher_finds_a_seeder_by_LSD_alone_and_downloads()
    {
        using var lab = RequireLab();
        using var dir = new TempDirectory("lsd");
        var (content, info, infoFile) = await SharedFileAsync(dir, 2 * 1024 * 1024 + 99, seed: 8, pieceLength: 32 * 1024);

        // The seeder announces when it starts; the leecher, started after, announces too and the seeder dials it.
        await using var seeder = await PeerProcess.StartAsync(lab, 0, ["seed", "--info", infoFile, "--dir", dir.Combine("seed")]);
        await using var leecher = await PeerProcess.StartAsync(lab, 1, ["get", "--info", infoFile, "--dir", dir.Combine("leech")]);
        await leecher.WaitForAsync("complete", TimeSpan.FromSeconds(30));

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
        // The seeder learned the leecher's address from its announce (and dialled it).
        Assert.Contains(seeder.Lines, l => l.Contains("\"lsd_peer\"") && l.Contains($"{lab.AddressOf(1)}:"));
    }

    [Fact]
    public async Task A_magnet_leecher_gets_metadata_and_data_from_a_seeder_found_by_LSD()
    {
        using var lab = RequireLab();
        using var dir = new TempDirectory("lsd-magnet");
        var (content, info, infoFile) = await SharedFileAsync(dir, 1024 * 1024 + 5, seed: 9, pieceLength: 16 * 1024);

        // The magnet leecher listens first; the seeder's first announce tells it where to fetch the metadata from.
        await using var leecher = await PeerProcess.StartAsync(lab, 1, ["get", "--info-hash", info.InfoHash.ToHex(), "--dir", dir.Combine("leech")]);
        await using var seeder = await PeerProcess.StartAsync(lab, 0, ["seed", "--info", infoFile, "--dir", dir.Combine("seed")]);
        await leecher.WaitForAsync("metadata", TimeSpan.FromSeconds(30));
        await leecher.WaitForAsync("complete", TimeSpan.FromSeconds(30));

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
        Assert.Contains(leecher.Lines, l => l.Contains("\"lsd_peer\"") && l.Contains($"{lab.AddressOf(0)}:"));
    }

    [Fact]
    public async Task A_seeder_that_hears_a_magnet_leecher_dials_it_and_serves_metadata_and_data()
    {
        using var lab = RequireLab();
        using var dir = new TempDirectory("lsd-magnet-in");
        var (content, info, infoFile) = await SharedFileAsync(dir, 1024 * 1024 + 7, seed: 10, pieceLength: 16 * 1024);

        // The seeder is up first, so its announce goes unheard; the magnet leecher's announce reaches it and it dials in.
        await using var seeder = await PeerProcess.StartAsync(lab, 0, ["seed", "--info", infoFile, "--dir", dir.Combine("seed")]);
        await using var leecher = await PeerProcess.StartAsync(lab, 1, ["get", "--info-hash", info.InfoHash.ToHex(), "--dir", dir.Combine("leech")]);
        await leecher.WaitForAsync("metadata", TimeSpan.FromSeconds(30));
        await leecher.WaitForAsync("complete", TimeSpan.FromSeconds(30));

        var differences = ContentComparison.Differences(content, dir.Combine("leech", "payload.bin"));
        Assert.True(differences is null, $"{differences}\n{leecher.Describe()}\n{seeder.Describe()}");
        Assert.Contains(seeder.Lines, l => l.Contains("\"lsd_peer\"") && l.Contains($"{lab.AddressOf(1)}:"));
    }

    /// <summary>The seeder's file (seed/payload.bin) and its info dictionary, written where both peers read it.</summary>
    private static async Task<(string Content, TorrentInfo Info, string InfoFile)> SharedFileAsync(TempDirectory dir, int size, int seed, int pieceLength)
    {
        var content = dir.WriteRandomFile("seed/payload.bin", size, seed: seed);
        var info = TorrentFiles.ForFile(content, pieceLength);
        var infoFile = dir.Combine("payload.info");
        await File.WriteAllBytesAsync(infoFile, info.RawInfo.ToArray(), Ct);
        return (content, info, infoFile);
    }

    private static NetnsLab RequireLab()
    {
        var lab = NetnsLab.TryCreate(2, out var why);
        if (lab is null) ReferencePrograms.Unavailable(why!);
        return lab!;
    }

    /// <summary>A Shoal.NetnsPeer process inside one host namespace of the lab.</summary>
    private sealed class PeerProcess : IAsyncDisposable
    {
        private readonly Dictionary<string, TaskCompletionSource<string>> _events = [];
        private ReferenceProcess? _process;

        public static async Task<PeerProcess> StartAsync(NetnsLab lab, int host, IReadOnlyList<string> arguments)
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ReferencePrograms.Find("dotnet")
                ?? throw new InvalidOperationException("dotnet is not on PATH");
            var dll = Path.Combine(AppContext.BaseDirectory, "netns-peer", "Shoal.NetnsPeer.dll");
            var peer = new PeerProcess();
            peer._process = ReferenceProcess.Start($"shoal peer in {lab.Hosts[host]}", "ip",
                [.. lab.Exec(host), dotnet, dll, .. arguments, "--bind", lab.AddressOf(host).ToString()], peer.OnLine, keepStdinOpen: true);
            try
            {
                await peer.WaitForAsync("ready", TimeSpan.FromSeconds(30));
                return peer;
            }
            catch
            {
                await peer.DisposeAsync();
                throw;
            }
        }

        private readonly List<string> _lines = [];

        /// <summary>Every JSON line the peer printed so far.</summary>
        public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

        public async Task WaitForAsync(string name, TimeSpan timeout)
        {
            var target = Event(name).Task;
            var error = Event("error").Task;
            var any = Task.WhenAny(target, error, _process!.Exited);
            await ((Task)any).WaitAsync(timeout, Ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var first = any.IsCompleted ? any.Result : null;
            if (first != target)
                throw new TimeoutException($"no '{name}' from the peer (first: {(first == error ? "error" : first == _process.Exited ? "exit" : "timeout")})\n{Describe()}");
        }

        public string Describe() => _process?.Describe() ?? "(not started)";

        public ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;

        private TaskCompletionSource<string> Event(string name)
        {
            lock (_events)
            {
                if (!_events.TryGetValue(name, out var tcs)) _events[name] = tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return tcs;
            }
        }

        private void OnLine(string line)
        {
            if (!line.StartsWith('{')) return;
            lock (_lines) _lines.Add(line);
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("event", out var e) && e.GetString() is { } name) Event(name).TrySetResult(line);
            }
            catch (JsonException) { }
        }
    }
}
