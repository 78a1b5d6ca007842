using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Shoal.Daemon.Http;
using Shoal.Tests.Support;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Daemon;

/// <summary>`shoal` as the daemon's own remote, the daemon's start-up checks, its HTTP protections, and its clean stop.</summary>
public sealed class DaemonCliTests
{
    [Fact]
    public async Task Shoal_adds_lists_shows_stops_starts_verifies_limits_and_removes_through_the_daemon()
    {
        using var dir = new TempDirectory("daemon-cli");
        string data = dir.WriteRandomFile("downloads/movie/a.mkv", 300_000, seed: 301);
        dir.WriteRandomFile("downloads/movie/b.srt", 5_000, seed: 302);
        Assert.Equal(0, Run("create", dir.Combine("downloads", "movie"), "-o", dir.Combine("movie.torrent")).ExitCode);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("state"), dir.Combine("downloads"));
        string rpc = daemon.RpcUrl.ToString();
        ProcessRunner.Result Shoal(params string[] args) => ProcessRunner.Run("dotnet", [CliPath, .. args, "--rpc", rpc], TimeSpan.FromSeconds(60));

        var add = Shoal("add", dir.Combine("movie.torrent"), "--only", "*.mkv", "--label", "films");
        Assert.True(add.ExitCode == 0, add.StdErr);
        Assert.StartsWith("added: 1 movie (", add.StdOut);
        Assert.StartsWith("already there: 1 movie", Shoal("add", dir.Combine("movie.torrent")).StdOut);
        await daemon.WaitForStatusAsync(1, 6);

        var list = Shoal("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(list.StdOut.Split('\n'), l => l.TrimStart().StartsWith("1 ") && l.Contains("Seeding") && l.Contains("movie  [films]"));
        Assert.Contains("\"id\":1", Shoal("list", "--json").StdOut);
        Assert.DoesNotContain("movie", Shoal("list", "--label", "other").StdOut.Split('\n')[1]);

        var info = Shoal("info", "1");
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("state       Seeding", info.StdOut);
        Assert.Contains("labels      films", info.StdOut);

        var files = Shoal("files", "1");
        Assert.Matches(@"0\s+100 %\s+Normal\s+Yes\s+.*movie/a\.mkv", files.StdOut);
        Assert.Matches(@"1\s+100 %\s+Normal\s+No\s+.*movie/b\.srt", files.StdOut); // --only left the subtitles out
        Assert.Matches(@"1\s+\S+ %\s+High\s+Yes", Shoal("files", "1", "--want", "1", "--high", "1").StdOut);

        Assert.Equal(0, Shoal("stop", "1").ExitCode);
        await daemon.WaitForStatusAsync(1, 0);
        Assert.Equal(0, Shoal("start", "all").ExitCode);
        await daemon.WaitForStatusAsync(1, 6);
        Assert.Equal(0, Shoal("verify", "1").ExitCode);
        await daemon.WaitForStatusAsync(1, 6);

        Assert.Equal("down 2 MiB/s, up unlimited", Shoal("limits", "--down", "2M").StdOut.Split('\n')[0]);
        Assert.Contains("alternative: on", Shoal("limits", "--alt", "on", "--alt-up", "100K").StdOut);
        Assert.StartsWith("torrent 1: down unlimited, up", Shoal("limits", "--torrent", "1", "--up", "1M").StdOut);

        var bad = Shoal("stop", "banana");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("shoal: 'banana' is not a torrent id (a number from shoal list, or an info-hash)", bad.StdErr.Trim());
        var missing = Shoal("info", "99");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("the daemon has no torrent 99", missing.StdErr);

        Assert.Equal(0, Shoal("remove", "1", "--delete-data").ExitCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (File.Exists(data) && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(File.Exists(data));
        Assert.StartsWith("0 torrents", Shoal("list").StdOut.Split('\n')[1]);
    }

    [Fact]
    public void Without_a_daemon_a_remote_verb_says_so_in_one_line_with_exit_code_4()
    {
        var result = ProcessRunner.Run("dotnet", [CliPath, "list"], TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string> { ["SHOAL_RPC"] = $"http://127.0.0.1:{FreePort.Next()}/transmission/rpc" });
        Assert.Equal(4, result.ExitCode);
        var lines = result.StdErr.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("shoal: no daemon answers at http://127.0.0.1:", lines[0]);
    }

    [Fact]
    public void The_daemon_refuses_a_non_loopback_rpc_address_without_a_password()
    {
        using var dir = new TempDirectory("daemon-open");
        var result = Run("daemon", "--rpc-bind", "0.0.0.0", "--rpc-port", "0", "--port", "0", "--state-dir", dir.Combine("state"), "--no-lsd");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("shoal: refusing to serve the RPC on 0.0.0.0 without a password", result.StdErr.Trim());
        Assert.False(File.Exists(dir.Combine("state", "session.db")));
    }

    [Fact]
    public async Task The_rpc_demands_credentials_then_an_allowed_host_then_the_session_id_and_bounds_the_body()
    {
        using var dir = new TempDirectory("daemon-http");
        File.WriteAllText(dir.Combine("password"), "s3cret\n");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("state"), dir.Combine("downloads"),
            extra: ["--rpc-username", "ann", "--rpc-password-file", dir.Combine("password")]);
        using var http = new HttpClient();
        const string body = """{"method":"session-get","arguments":{"fields":["version"]}}""";
        async Task<HttpResponseMessage> Post(string? credentials, string? host = null, string? sessionId = null, string content = body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, daemon.RpcUrl) { Content = new StringContent(content, Encoding.UTF8, "application/json") };
            if (credentials is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
            if (host is not null) request.Headers.Host = host;
            if (sessionId is not null) request.Headers.Add(RpcGate.SessionIdHeader, sessionId);
            return await http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        using var anonymous = await Post(null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.False(anonymous.Headers.Contains(RpcGate.SessionIdHeader)); // a stranger does not even get the session id
        using var wrong = await Post("ann:guess");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var rebinding = await Post("ann:s3cret", host: "evil.example:9091");
        Assert.Equal(HttpStatusCode.MisdirectedRequest, rebinding.StatusCode);
        using var noSession = await Post("ann:s3cret");
        Assert.Equal(HttpStatusCode.Conflict, noSession.StatusCode);
        string sessionId = noSession.Headers.GetValues(RpcGate.SessionIdHeader).Single();
        Assert.DoesNotContain("version", await noSession.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var ok = await Post("ann:s3cret", sessionId: sessionId);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("\"version\":\"0.1.0 (Shoal)\"", await ok.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        // Past the body limit: 413, or (as Kestrel may answer before the upload ends) a connection cut mid-upload.
        try
        {
            using var huge = await Post("ann:s3cret", sessionId: sessionId, content: new string(' ', 11 * 1024 * 1024));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
        }

        // shoal itself takes the credentials from the URL.
        var list = ProcessRunner.Run("dotnet", [CliPath, "list", "--rpc", $"http://ann:s3cret@{daemon.Address}/transmission/rpc"], TimeSpan.FromSeconds(60));
        Assert.True(list.ExitCode == 0, list.StdErr);
        var refused = ProcessRunner.Run("dotnet", [CliPath, "list", "--rpc", daemon.RpcUrl.ToString()], TimeSpan.FromSeconds(60));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("needs a user name and password", refused.StdErr);
    }

    [Fact]
    public async Task Sigterm_stops_the_daemon_cleanly_and_saves_the_session()
    {
        using var dir = new TempDirectory("daemon-term");
        dir.WriteRandomFile("downloads/x.bin", 100_000, seed: 303);
        Assert.Equal(0, Run("create", dir.Combine("downloads", "x.bin"), "-o", dir.Combine("x.torrent")).ExitCode);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("state"), dir.Combine("downloads"));
        await daemon.Rpc.CallAsync("torrent-add", new System.Text.Json.Nodes.JsonObject { ["filename"] = dir.Combine("x.torrent") }, TestContext.Current.CancellationToken);
        await daemon.WaitForStatusAsync(1, 6);
        daemon.Process.Signal(15);
        Assert.Equal(0, await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(daemon.Process.StdErr, l => l.Contains("session saved: 1 torrents", StringComparison.Ordinal));
        Assert.True(File.Exists(dir.Combine("state", "resume", $"{Metainfo.Torrent.Load(dir.Combine("x.torrent")).InfoHash.ToHex()}.resume")));
    }
}
