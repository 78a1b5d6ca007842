using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Cli;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// Bad input of every kind the seed program's users meet — a broken or unsafe .torrent, a bad magnet link, an unreachable
/// tracker, a tracker answering garbage, a full disk — is one clear line on stderr (never a stack trace) and the exit code
/// the README documents; nothing incomplete ever carries the final file name, and verified pieces survive.
/// </summary>
public sealed class BadInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string B(string text) => $"{Encoding.UTF8.GetByteCount(text)}:{text}";

    private static string Info(string filesOrLength, string name) =>
        $"d{filesOrLength}4:name{B(name)}12:piece lengthi16384e6:pieces20:{new string('x', 20)}e";

    private static string TorrentText(string info) => $"d8:announce{B("http://127.0.0.1:1/announce")}4:info{info}e";

    public static TheoryData<string, string, string> BrokenTorrents => new()
    {
        { "truncated", "<first half of a valid torrent>", "not a valid .torrent file" },
        { "corrupt", "d8:announce3:abcXYZ", "not a valid .torrent file" },
        { "dotdot", TorrentText(Info($"5:filesld6:lengthi5e4:pathl{B("..")}{B("evil")}eee", "dir")), "unsafe path 'dir/../evil'" },
        { "absolute-name", TorrentText(Info("6:lengthi5e", "/tmp/shoal-evil")), "unsafe path '/tmp/shoal-evil'" },
        { "absolute-path", TorrentText(Info($"5:filesld6:lengthi5e4:pathl{B("/etc")}{B("evil")}eee", "dir")), "unsafe path" },
    };

    [Theory]
    [MemberData(nameof(BrokenTorrents))]
    public void A_broken_or_unsafe_torrent_is_one_line_and_exit_code_3(string kind, string content, string expected)
    {
        using var dir = new TempDirectory("bad-torrent");
        string path = dir.Combine($"{kind}.torrent");
        if (kind == "truncated")
        {
            string whole = MakeTorrent(dir, "http://127.0.0.1:1/announce");
            var bytes = File.ReadAllBytes(whole);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        }
        else File.WriteAllText(path, content);

        string output = dir.Combine("out");
        var result = Run("get", path, "-o", output, "--port", "0", "--bind", "127.0.0.1");
        string line = CleanError.AssertOneLine(ExitCodes.InvalidInput, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.Contains(expected, line);
        Assert.Contains(Path.GetFileName(path), line);
        // Refused before anything was written: no file of it anywhere, in the output folder or outside it.
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output, "*", SearchOption.AllDirectories).Any());
        Assert.False(File.Exists("/tmp/shoal-evil") || File.Exists(dir.Combine("evil")));
    }

    [Theory]
    [InlineData("magnet:?xt=urn:btih:ZZZZ", "'xt=urn:btih:ZZZZ' is not an info-hash")]
    [InlineData("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456", "is not an info-hash")]
    [InlineData("magnet:?dn=no-hash", "invalid magnet link")]
    public void A_magnet_link_with_a_bad_hash_is_one_line_and_exit_code_3(string magnet, string expected)
    {
        using var dir = new TempDirectory("bad-magnet");
        var result = Run("get", magnet, "-o", dir.Path, "--port", "0", "--bind", "127.0.0.1");
        string line = CleanError.AssertOneLine(ExitCodes.InvalidInput, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.StartsWith("shoal: invalid magnet link: ", line);
        Assert.Contains(expected, line);
    }

    [Theory]
    [InlineData("seed", "Required argument missing for command: 'seed' (see: shoal seed --help)")]
    [InlineData("get x.torrent --port abc", "Cannot parse argument 'abc' for option '--port' as expected type 'System.Int32' (see: shoal get --help)")]
    [InlineData("tracker --no-such-option", "Unrecognized command or argument '--no-such-option' (see: shoal tracker --help)")]
    [InlineData("frobnicate", "Unrecognized command or argument 'frobnicate' (see: shoal --help)")]
    public void A_command_line_mistake_is_one_line_and_exit_code_2(string arguments, string expected)
    {
        var result = Run(arguments.Split(' '));
        string line = CleanError.AssertOneLine(ExitCodes.UsageError, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.Contains(expected, line);
        Assert.Equal("", result.StdOut.Trim()); // no wall of help text burying the line
    }

    [Fact]
    public void An_unreachable_tracker_is_one_line_naming_it_and_exit_code_4()
    {
        using var dir = new TempDirectory("bad-tracker");
        string announce = $"http://127.0.0.1:{FreePort.Next()}/announce"; // nobody listens there
        string torrent = MakeTorrent(dir, announce);
        var result = Run("get", torrent, "-o", dir.Combine("out"), "--port", "0", "--bind", "127.0.0.1", "--quiet", "--idle-timeout", "2");
        string line = CleanError.AssertOneLine(ExitCodes.NetworkError, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.Equal($"shoal: tracker {announce} is unreachable: connection refused (gave up after 2 s)", line);
        AssertNothingLooksComplete(dir.Combine("out"), "data.bin");
    }

    [Theory]
    [InlineData("text/html", "<html><body>It works!</body></html>", "answered with something that is not a bencoded dictionary (starts with \"<html>")]
    [InlineData("text/plain", "d8:intervali", "answered with invalid bencode")]
    [InlineData(null, "SSH-2.0-OpenSSH_9.2\r\n", "answered with something that is not HTTP")]
    public async Task A_tracker_answering_garbage_is_one_line_saying_so_and_exit_code_4(string? contentType, string body, string expected)
    {
        using var dir = new TempDirectory("garbage-tracker");
        using var server = new GarbageServer(contentType, body);
        string announce = $"http://127.0.0.1:{server.Port}/announce";
        string torrent = MakeTorrent(dir, announce);
        var result = await Task.Run(() => Run("get", torrent, "-o", dir.Combine("out"), "--port", "0", "--bind", "127.0.0.1", "--quiet", "--idle-timeout", "2"), Ct);
        string line = CleanError.AssertOneLine(ExitCodes.NetworkError, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.StartsWith($"shoal: tracker {announce} ", line);
        Assert.Contains(expected, line);
        Assert.True(server.Requests > 0, "the tracker was never asked");
    }

    [Fact]
    public void A_disk_too_small_for_the_download_is_one_line_and_exit_code_5()
    {
        using var dir = new TempDirectory("small-disk");
        string torrent = MakeTorrent(dir, "http://127.0.0.1:1/announce", 3_000_000);
        using var disk = SmallDisk.Mount(dir.Combine("disk"), 1024 * 1024);
        var result = Run("get", torrent, "-o", disk.Path, "--port", "0", "--bind", "127.0.0.1", "--quiet");
        string line = CleanError.AssertOneLine(ExitCodes.DiskError, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        Assert.Equal($"shoal: not enough disk space in {disk.Path}: need 2.86 MiB (3000000 bytes), 1 MiB (1048576 bytes) free", line);
        AssertNothingLooksComplete(disk.Path, "data.bin");
    }

    [Fact]
    public async Task A_disk_that_fills_up_mid_download_stops_with_exit_code_5_and_the_verified_pieces_survive()
    {
        using var dir = new TempDirectory("full-disk");
        const long size = 6 * 1024 * 1024;
        string data = dir.WriteRandomFile("seed/data.bin", size, seed: 11);
        string torrent = dir.Combine("data.torrent");
        using var disk = SmallDisk.Mount(dir.Combine("disk"), 8 * 1024 * 1024);
        int seedPort = FreePort.Next();
        await using var seeder = await StartSeederAsync(data, torrent, seedPort, extra: ["--upload-limit", "1M"]);
        string peer = $"127.0.0.1:{seedPort}";

        string filler;
        await using (var first = StartLeecher("leecher", torrent, disk.Path, "--peer", peer, "--idle-timeout", "30"))
        {
            await first.WaitForProgressAsync(0.3, TimeSpan.FromSeconds(30));
            filler = disk.Fill();
            int code = await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
            string line = CleanError.AssertOneLine(ExitCodes.DiskError, code, first.StdErr, first.Describe());
            Assert.StartsWith($"shoal: disk full while writing {Path.Combine(disk.Path, "data.bin.part")}: no space left on device", line);
            Assert.Contains("verified pieces are kept; free space and run the same command to resume", line);
            var last = first.JsonLines[^1];
            Assert.Equal("error", last.GetProperty("event").GetString());
        }
        AssertNothingLooksComplete(disk.Path, "data.bin");

        // Space freed, same command again: the recheck finds what verified, and only the rest is downloaded.
        File.Delete(filler);
        await using var second = StartLeecher("leecher-again", torrent, disk.Path, "--peer", peer, "--idle-timeout", "30");
        var done = await second.WaitForCompleteAsync(TimeSpan.FromSeconds(40));
        long downloaded = done.GetProperty("downloaded").GetInt64();
        Assert.True(downloaded < size * 0.8, $"the second run downloaded {downloaded} of {size} bytes\n{second.Describe()}");
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Null(ContentComparison.Differences(data, Path.Combine(disk.Path, "data.bin")));
        Assert.False(File.Exists(Path.Combine(disk.Path, "data.bin.part")));
    }

    /// <summary>An incomplete download is only ever NAME.part: the final name never exists until every piece verified.</summary>
    internal static void AssertNothingLooksComplete(string directory, string name) =>
        Assert.False(File.Exists(Path.Combine(directory, name)), $"{name} exists under its final name although the download is incomplete");

    internal static string MakeTorrent(TempDirectory dir, string announce, long size = 100_000)
    {
        string data = dir.WriteRandomFile("src/data.bin", size);
        string torrent = dir.Combine("data.torrent");
        Run("create", data, "--tracker", announce, "--piece-size", "64K", "-o", torrent).EnsureSuccess("shoal create");
        return torrent;
    }

    /// <summary>A "tracker" on 127.0.0.1 that answers every request with the same bytes (an HTTP response, or raw bytes when no content type).</summary>
    private sealed class GarbageServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _requests;

        public GarbageServer(string? contentType, string body)
        {
            _listener.Start();
            var bytes = Encoding.UTF8.GetBytes(body);
            var answer = contentType is null ? bytes :
                [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), .. bytes];
            _ = ServeAsync(answer);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Requests => Volatile.Read(ref _requests);

        private async Task ServeAsync(byte[] answer)
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    try
                    {
                        _ = await stream.ReadAsync(buffer, timeout.Token); // the request (its content does not matter)
                        Interlocked.Increment(ref _requests);
                        await stream.WriteAsync(answer, timeout.Token);
                    }
                    catch (Exception ex) when (ex is IOException or SocketException || (ex is OperationCanceledException && !_stop.IsCancellationRequested))
                    {
                        // A client that hung up or never sent anything: serve the next one.
                    }
                }
            }
            catch (OperationCanceledException) { }
            catch (ObjectDisposedException) { }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _listener.Dispose();
        }
    }
}
