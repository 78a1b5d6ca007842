using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Shoal.Bencoding;
using Shoal.Metainfo;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// Debian's opentracker on 127.0.0.1, HTTP and UDP on one free port. Debian builds it whitelist-only, so every
/// torrent must be allowed with <see cref="AllowAsync"/> first. It chroots into a temporary folder (readable by
/// nobody, the user it drops to) that holds the whitelist; the folder is deleted on dispose.
/// </summary>
public sealed class OpenTrackerProcess : IAsyncDisposable
{
    private const string WhitelistName = "whitelist.txt";
    // opentracker closes every HTTP connection after one answer: reusing a pooled connection would hit a reset.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(5),
        DefaultRequestHeaders = { ConnectionClose = true },
    };
    private readonly ReferenceProcess _process;
    private readonly string _root;
    private readonly SemaphoreSlim _whitelistLock = new(1, 1);

    private OpenTrackerProcess(ReferenceProcess process, string root, int port)
    {
        _process = process;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public string HttpAnnounceUrl => $"http://127.0.0.1:{Port}/announce";

    public string UdpAnnounceUrl => $"udp://127.0.0.1:{Port}/announce";

    public int ProcessId => _process.Id;

    public static async Task<OpenTrackerProcess> StartAsync(string? executable = null, TimeSpan? startTimeout = null,
        CancellationToken cancellationToken = default)
    {
        executable ??= ReferenceExecutables.Resolve("opentracker");
        var root = Directory.CreateTempSubdirectory("shoal-opentracker-").FullName;
        // After chroot + setuid(nobody) the folder and the list must still be readable.
        UnixModes.MakeExecutableByAll(root);
        var whitelist = Path.Combine(root, WhitelistName);
        File.WriteAllText(whitelist, "");
        UnixModes.MakeReadableByAll(whitelist);
        int port = FreePort.Next();
        var process = ReferenceProcess.Start("opentracker", executable,
            ["-i", "127.0.0.1", "-p", Invariant(port), "-P", Invariant(port), "-d", root, "-u", "nobody", "-w", "/" + WhitelistName]);
        var tracker = new OpenTrackerProcess(process, root, port);
        try
        {
            await Waits.PollAsync(tracker.AnswersAsync, () => process.HasExited ? "opentracker exited" : null,
                startTimeout ?? TimeSpan.FromSeconds(15), cancellationToken, $"opentracker to answer on port {port}",
                tracker.Describe, TimeSpan.FromMilliseconds(25));
            return tracker;
        }
        catch
        {
            await tracker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds the torrent to the whitelist, makes opentracker reload it (SIGHUP), and waits until an
    /// announce for it is accepted.</summary>
    public async Task AllowAsync(InfoHash infoHash, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await _whitelistLock.WaitAsync(cancellationToken);
        try
        {
            await File.AppendAllTextAsync(Path.Combine(_root, WhitelistName), infoHash.ToHex() + "\n", cancellationToken);
            _process.SendHangup();
            // The reload is asynchronous inside opentracker: probe until the torrent is accepted.
            var limit = timeout ?? TimeSpan.FromSeconds(10);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!await AcceptsAsync(infoHash, cancellationToken))
            {
                if (_process.HasExited) throw new ReferencePeerException($"opentracker exited\n{Describe()}");
                if (clock.Elapsed >= limit)
                    throw new TimeoutException($"opentracker did not accept {infoHash} after reloading its whitelist\n{Describe()}");
                await Task.Delay(25, cancellationToken);
            }
        }
        finally
        {
            _whitelistLock.Release();
        }
    }

    /// <summary>Seeders, leechers and completed downloads the tracker knows for the torrent (HTTP scrape).</summary>
    public async Task<SwarmCounts> ScrapeAsync(InfoHash infoHash, CancellationToken cancellationToken = default)
    {
        var body = await Http.GetByteArrayAsync($"http://127.0.0.1:{Port}/scrape?info_hash={Escape(infoHash)}", cancellationToken);
        if (BValue.Parse(body) is not BDictionary { } answer || answer.Get<BDictionary>("files") is not { } files)
            throw new ReferencePeerException($"opentracker answered a scrape with {Encoding.UTF8.GetString(body)}");
        if (!files.TryGetValue(infoHash.Span, out var entry) || entry is not BDictionary counts) return default;
        return new SwarmCounts(Count(counts, "complete"), Count(counts, "incomplete"), Count(counts, "downloaded"));
    }

    /// <summary>Waits until the tracker lists at least the given numbers of seeders and leechers for the torrent:
    /// the way to know a peer has announced, whatever program it is.</summary>
    public async Task WaitForSwarmAsync(InfoHash infoHash, int seeders, int leechers, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        SwarmCounts counts;
        while ((counts = await ScrapeAsync(infoHash, cancellationToken)).Seeders < seeders || counts.Leechers < leechers)
        {
            if (clock.Elapsed >= timeout)
                throw new TimeoutException($"opentracker lists {counts} for {infoHash} after {timeout.TotalSeconds:0.#} s; " +
                    $"waited for {seeders} seeders and {leechers} leechers");
            await Task.Delay(25, cancellationToken);
        }
    }

    public string Describe() => _process.Describe();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _whitelistLock.Dispose();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            return (await Http.GetByteArrayAsync($"http://127.0.0.1:{Port}/scrape?info_hash={Escape(new InfoHash(new byte[InfoHash.Length]))}")).Length > 0;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether opentracker accepts announces for the torrent (is it on the loaded whitelist?).
    /// Probes with a "started" announce, which is checked against the whitelist ("stopped" is not), then leaves at once
    /// with "stopped"; the probe poses as a leecher on port 1, so no seeder count is ever inflated by it.</summary>
    public async Task<bool> AcceptsAsync(InfoHash infoHash, CancellationToken cancellationToken = default)
    {
        var peerId = "-SHOALPROBE-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4));
        var query = $"http://127.0.0.1:{Port}/announce?info_hash={Escape(infoHash)}&peer_id={peerId}&port=1" +
            "&uploaded=0&downloaded=0&left=1&numwant=0&compact=1";
        var answer = await Http.GetByteArrayAsync(query + "&event=started", cancellationToken);
        if (BValue.Parse(answer) is BDictionary started && started.ContainsKey("failure reason")) return false;
        await Http.GetByteArrayAsync(query + "&event=stopped", cancellationToken);
        return true;
    }

    private static string Escape(InfoHash infoHash)
    {
        var builder = new StringBuilder(60);
        foreach (var b in infoHash.Span) builder.Append('%').Append(b.ToString("x2", CultureInfo.InvariantCulture));
        return builder.ToString();
    }

    private static long Count(BDictionary counts, string key) => counts.Get<BInteger>(key)?.Value ?? 0;

    private static string Invariant(int port) => port.ToString(CultureInfo.InvariantCulture);
}
