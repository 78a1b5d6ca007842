using System.Globalization;
using System.Text.RegularExpressions;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Browser.Tests.Infrastructure;

/// <summary>
/// A small loopback swarm for the daemon to download from: `shoal tracker` and `shoal seed` processes, and torrents made
/// from generated files. Everything stops on dispose.
/// </summary>
public sealed partial class LoopbackSwarm : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _processes = [];

    private LoopbackSwarm(TempDirectory root, string announceUrl, ReferenceProcess tracker)
    {
        Root = root;
        AnnounceUrl = announceUrl;
        _processes.Add(tracker);
    }

    public TempDirectory Root { get; }

    public string AnnounceUrl { get; }

    [GeneratedRegex(@"^tracker: listening on (http://\S+/announce) and udp://")]
    private static partial Regex TrackerLine();

    /// <summary>Starts a tracker on 127.0.0.1 (a port the system picks).</summary>
    public static async Task<LoopbackSwarm> StartAsync(TempDirectory root)
    {
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tracker = ReferenceProcess.Start("shoal tracker", "dotnet", [ShoalPeer.CliPath, "tracker", "--host", "127.0.0.1", "--port", "0"], line =>
        {
            var match = TrackerLine().Match(line);
            if (match.Success) url.TrySetResult(match.Groups[1].Value);
        });
        try
        {
            var first = await Task.WhenAny(url.Task, tracker.Exited).WaitAsync(TimeSpan.FromSeconds(60));
            if (first != url.Task) throw new InvalidOperationException($"the tracker exited\n{tracker.Describe()}");
            return new LoopbackSwarm(root, await url.Task, tracker);
        }
        catch
        {
            await tracker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Writes the files (relative path → length, deterministic bytes) under seed/NAME and makes a v1 torrent of them that
    /// announces to this swarm's tracker. Returns the torrent and the folder (or file) it describes.
    /// </summary>
    public async Task<(Torrent Torrent, string TorrentPath, string DataPath)> MakeTorrentAsync(string name, IReadOnlyList<(string Path, long Length)> files,
        int pieceLength = 64 * 1024, string? comment = null)
    {
        string dataPath;
        if (files.Count == 1 && files[0].Path == name)
        {
            dataPath = Root.WriteRandomFile(Path.Combine("seed", name), files[0].Length, seed: 7);
        }
        else
        {
            int seed = 1;
            foreach (var (path, length) in files) Root.WriteRandomFile(Path.Combine("seed", name, path), length, seed++);
            dataPath = Root.Combine("seed", name);
        }
        var builder = new TorrentBuilder { PieceLength = pieceLength, Comment = comment };
        builder.AddTrackers(AnnounceUrl);
        var torrent = await builder.BuildAsync(dataPath, cancellationToken: TestContext.Current.CancellationToken);
        string torrentPath = Root.Combine(SafeFileName(name) + ".torrent");
        torrent.Save(torrentPath);
        return (torrent, torrentPath, dataPath);
    }

    /// <summary>Seeds a torrent made by <see cref="MakeTorrentAsync"/> with `shoal seed` (uploads capped when asked).</summary>
    public async Task<ShoalPeer> SeedAsync(string torrentPath, long uploadLimitBytesPerSecond = 0)
    {
        var seeder = await ShoalPeer.SeedAsync(torrentPath, Root.Combine("seed"), new ShoalOptions
        {
            UploadRateLimit = uploadLimitBytesPerSecond,
            ReannounceEvery = TimeSpan.FromSeconds(5),
        });
        _processes.Add(seeder);
        await seeder.WaitForCompletionAsync(TimeSpan.FromSeconds(60));
        return seeder;
    }

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string SafeFileName(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_'));

    public async ValueTask DisposeAsync()
    {
        for (int i = _processes.Count - 1; i >= 0; i--) await _processes[i].DisposeAsync();
    }
}
