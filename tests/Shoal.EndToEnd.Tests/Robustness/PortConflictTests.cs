using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// The seed program's promise "robust to port conflicts": a port asked for explicitly that is taken is one clear error
/// (exit 2) for every server; a default port that is taken moves to the next free one, says so, and is the port
/// announced to the tracker. The default-port tests occupy the real defaults (8001, 8002, 9090) on 127.0.0.1 only.
/// </summary>
public sealed partial class PortConflictTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"^shoal: port (\d+) is taken; listening on (\d+) instead$")]
    private static partial Regex MovedLine();

    [Theory]
    [InlineData("seed")]
    [InlineData("get")]
    [InlineData("tracker")]
    public void An_explicit_port_that_is_taken_is_one_line_naming_it_and_exit_code_2(string command)
    {
        using var dir = new TempDirectory("ports");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string port = Invariant(((IPEndPoint)taken.LocalEndpoint).Port);
        string[] arguments = command switch
        {
            "seed" => ["seed", dir.WriteRandomFile("data.bin", 100_000), "-o", dir.Combine("data.torrent"), "--port", port, "--bind", "127.0.0.1"],
            "get" => ["get", MakeTorrent(dir), "-o", dir.Combine("out"), "--port", port, "--bind", "127.0.0.1"],
            _ => ["tracker", "--port", port, "--host", "127.0.0.1"],
        };
        var result = Run(arguments);
        string line = CleanError.AssertOneLine(2, result.ExitCode, CleanError.Lines(result.StdErr), result.StdOut);
        string expected = command == "tracker"
            ? $"shoal: port {port} is already in use (TCP); choose another with --port"
            : $"shoal: port {port} is already in use; choose another with --port";
        Assert.Equal(expected, line);
    }

    [Fact]
    public async Task A_taken_default_seed_port_moves_to_the_next_free_one_which_the_tracker_hands_out()
    {
        using var dir = new TempDirectory("ports-default");
        string data = dir.WriteRandomFile("seed/data.bin", 3_000_000, seed: 7);
        string torrentPath = dir.Combine("data.torrent");
        using var occupier = Occupy(8001);
        var (tracker, announce) = await StartTrackerAsync("127.0.0.1", 0);
        await using (tracker)
        {
            await using var seeder = Start("seeder", ["seed", data, "-o", torrentPath, "--tracker", announce, "--bind", "127.0.0.1", "--json"]);
            var moved = await WaitForMovedLineAsync(seeder);
            Assert.Equal("8001", moved.Groups[1].Value);
            int actual = int.Parse(moved.Groups[2].Value);
            Assert.InRange(actual, 8002, 8051);
            await seeder.WaitForJsonAsync(j => j.GetProperty("state").GetString() == "seeding", TimeSpan.FromSeconds(30), "seeding");

            // The tracker records the port the seeder really listens on...
            var peers = await AnnouncedPeersAsync(announce, Torrent.Load(torrentPath).InfoHash);
            Assert.Contains(new IPEndPoint(IPAddress.Loopback, actual), peers);

            // ...so a leecher that knows only the tracker downloads from it.
            var get = await Task.Run(() => Run("get", torrentPath, "-o", dir.Combine("leech"), "--port", "0",
                "--bind", "127.0.0.1", "--quiet", "--idle-timeout", "20"), Ct);
            Assert.True(get.ExitCode == 0, $"get exited {get.ExitCode}: {get.StdErr}{get.StdOut}\n{seeder.Describe()}");
            Assert.Null(ContentComparison.Differences(data, dir.Combine("leech", "data.bin")));
        }
    }

    [Theory]
    [InlineData("get", 8002)]
    [InlineData("tracker", 9090)]
    public async Task Other_default_ports_move_too_and_say_so(string command, int defaultPort)
    {
        using var dir = new TempDirectory("ports-default");
        using var occupier = Occupy(defaultPort);
        string[] arguments = command == "get"
            ? ["get", MakeTorrent(dir), "-o", dir.Combine("out"), "--bind", "127.0.0.1", "--quiet"]
            : ["tracker", "--host", "127.0.0.1"];
        await using var process = Start(command, arguments);
        var moved = await WaitForMovedLineAsync(process);
        Assert.Equal(Invariant(defaultPort), moved.Groups[1].Value);
        Assert.InRange(int.Parse(moved.Groups[2].Value), defaultPort + 1, defaultPort + 50);
        if (command == "tracker")
            await process.WaitForLineAsync(l => l.StartsWith($"tracker: listening on http://127.0.0.1:{moved.Groups[2].Value}/announce", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "the listening line on the new port");
    }

    private static async Task<Match> WaitForMovedLineAsync(ShoalProcess process)
    {
        const string Err = "[err] ";
        string line = await process.WaitForLineAsync(l => l.StartsWith(Err, StringComparison.Ordinal) && MovedLine().IsMatch(l[Err.Length..]),
            TimeSpan.FromSeconds(30), "the moved-port line on stderr");
        return MovedLine().Match(line[Err.Length..]);
    }

    /// <summary>Holds a port on 127.0.0.1; when someone else already holds it, it is taken anyway, which is all the test needs.</summary>
    private static IDisposable? Occupy(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            listener.Dispose();
            return null;
        }
    }

    private static string MakeTorrent(TempDirectory dir)
    {
        string data = dir.WriteRandomFile("src/data.bin", 100_000);
        string torrent = dir.Combine("data.torrent");
        Run("create", data, "--tracker", "http://127.0.0.1:1/announce", "-o", torrent).EnsureSuccess("shoal create");
        return torrent;
    }

    /// <summary>Asks the tracker for the torrent's peers as a third party would (compact answer).</summary>
    internal static async Task<List<IPEndPoint>> AnnouncedPeersAsync(string announce, InfoHash hash)
    {
        var escaped = new StringBuilder();
        foreach (byte b in hash.ToHex().Chunk(2).Select(c => Convert.ToByte(new string(c), 16))) escaped.Append('%').Append(b.ToString("X2"));
        string url = $"{announce}?info_hash={escaped}&peer_id=-XX0000-observer0000&port=1&uploaded=0&downloaded=0&left=1&compact=1";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var answer = Assert.IsType<BDictionary>(BValue.Parse(await http.GetByteArrayAsync(url, Ct)));
        await http.GetByteArrayAsync(url + "&event=stopped", Ct); // and leave the swarm again
        var compact = answer.Get<BString>("peers")!.Bytes.ToArray();
        return compact.Chunk(6).Select(p => new IPEndPoint(new IPAddress(p[..4]), p[4] << 8 | p[5])).ToList();
    }
}
