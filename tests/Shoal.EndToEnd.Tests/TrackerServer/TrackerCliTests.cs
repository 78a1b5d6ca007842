using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Shoal.Bencoding;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.TrackerServer;

/// <summary>`shoal tracker` as a real process: the listening line, announces, SIGTERM, a taken port, --db across restarts.</summary>
public partial class TrackerCliTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"^tracker: listening on (http://127\.0\.0\.1:(\d+)/announce) and (udp://127\.0\.0\.1:(\d+)/announce)$")]
    private static partial Regex ListeningLine();

    internal static RunningProgram StartShoal(params string[] arguments) =>
        RunningProgram.Start("shoal", "dotnet", [Path.Combine(AppContext.BaseDirectory, "Shoal.Cli.dll"), .. arguments]);

    internal static async Task<(RunningProgram Process, string HttpUrl, int Port)> StartTrackerAsync(params string[] extra)
    {
        var process = StartShoal(["tracker", "--host", "127.0.0.1", "--port", "0", .. extra]);
        var line = await process.WaitForLineAsync(l => ListeningLine().IsMatch(l), StartTimeout, "listening line");
        var match = ListeningLine().Match(line);
        Assert.Equal(match.Groups[2].Value, match.Groups[4].Value);
        return (process, match.Groups[1].Value, int.Parse(match.Groups[2].Value));
    }

    private static string Announce(string url, string peerId, int port, long left) =>
        $"{url}?info_hash=%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13%14&peer_id={peerId}&port={port}&left={left}";

    private static async Task<BDictionary> GetAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var body = await http.GetByteArrayAsync(url, TestContext.Current.CancellationToken);
        return Assert.IsType<BDictionary>(BValue.Parse(body));
    }

    [Fact]
    public async Task Prints_its_ports_serves_announces_and_stops_on_sigterm()
    {
        var (process, url, _) = await StartTrackerAsync();
        await using (process)
        {
            await GetAsync(Announce(url, "-SH0001-aaaaaaaaaaaa", 7001, 0));
            var answer = await GetAsync(Announce(url, "-SH0001-bbbbbbbbbbbb", 7002, 10));
            Assert.Equal(6, answer.Get<BString>("peers")!.Bytes.Length);
            process.Signal(15);
            Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }
    }

    [Fact]
    public async Task A_taken_port_is_one_clear_error_and_exit_code_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var process = StartShoal("tracker", "--host", "127.0.0.1", "--port", port.ToString());
        Assert.Equal(2, await process.WaitForExitAsync(StartTimeout));
        var errors = process.Lines.Where(l => l.StartsWith("[err] ")).ToList();
        Assert.Equal($"[err] shoal: port {port} is already in use (TCP); choose another with --port", Assert.Single(errors));
    }

    [Fact]
    public async Task A_catalogue_without_a_key_or_catalogue_open_is_one_clear_error_and_exit_code_2()
    {
        await using var process = RunningProgram.Start("shoal", "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Shoal.Cli.dll"), "tracker", "--host", "127.0.0.1", "--port", "0", "--catalogue"],
            environment: new Dictionary<string, string?> { ["SHOAL_CATALOGUE_KEY"] = null });
        Assert.Equal(2, await process.WaitForExitAsync(StartTimeout));
        var errors = process.Lines.Where(l => l.StartsWith("[err] ")).ToList();
        Assert.Equal("[err] shoal: the catalogue needs a publishing key (--catalogue-key KEY, or $SHOAL_CATALOGUE_KEY), or --catalogue-open to let anyone publish",
            Assert.Single(errors));
    }

    [Fact]
    public async Task Restarting_with_the_same_db_keeps_the_swarm()
    {
        using var dir = new TempDirectory("tracker-cli-db");
        var db = dir.Combine("swarms.db");
        var (first, url, _) = await StartTrackerAsync("--db", db);
        await using (first)
        {
            await GetAsync(Announce(url, "-SH0001-aaaaaaaaaaaa", 7001, 0) + "&event=completed");
            first.Signal(15);
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }
        var (second, url2, _) = await StartTrackerAsync("--db", db);
        await using (second)
        {
            var answer = await GetAsync(Announce(url2, "-SH0001-cccccccccccc", 7003, 10));
            Assert.Equal(1, answer.Get<BInteger>("complete")!.Value);
            Assert.Equal(1, answer.Get<BInteger>("downloaded")!.Value);
            var peer = answer.Get<BString>("peers")!.Span;
            Assert.Equal(7001, peer[4] << 8 | peer[5]);
        }
    }
}
