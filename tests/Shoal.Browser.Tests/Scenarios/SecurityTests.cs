using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Shoal.Browser.Tests.Infrastructure;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Scenarios;

/// <summary>
/// The page is as protected as the RPC: same credentials, same Host check; a Content-Security-Policy without inline
/// script; no HTML sink in any script; and another site's page cannot drive the daemon (the session-id token).
/// </summary>
public sealed partial class SecurityTests(Chromium chromium)
{
    [GeneratedRegex("""(?:import|from)\s*['"](\.{1,2}/[^'"]+\.js)['"]""")]
    private static partial Regex ImportPath();

    [GeneratedRegex("""<link rel="modulepreload" href="([^"]+)">""")]
    private static partial Regex PreloadLink();

    /// <summary>Ways script turns a string into markup or code (in use, not in a comment that names them).</summary>
    [GeneratedRegex(@"\.(innerHTML|outerHTML|srcdoc)\s*\+?=|\b(insertAdjacentHTML|createContextualFragment|setHTMLUnsafe|parseFromString|document\.write(ln)?|eval)\s*\(|new\s+Function\s*\(")]
    private static partial Regex HtmlSink();

    [Fact]
    public async Task Every_file_carries_the_security_headers_and_no_script_uses_an_html_sink()
    {
        using var dir = new TempDirectory("webui-headers");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        using var http = new HttpClient { BaseAddress = daemon.PageUrl, Timeout = TimeSpan.FromSeconds(30) };
        var ct = TestContext.Current.CancellationToken;

        string html = await GetCheckedAsync(http, "/", "text/html");
        Assert.DoesNotMatch(new Regex(@"<script(?![^>]*\bsrc=)", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"\s(on[a-z]+|style)\s*=", RegexOptions.IgnoreCase), html);
        await GetCheckedAsync(http, "/css/app.css", "text/css");
        await GetCheckedAsync(http, "/icon.svg", "image/svg+xml");

        // Every module the page loads, found by following imports from main.js: each is served, and none writes HTML.
        var pending = new Queue<string>(["/js/main.js"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var path))
        {
            if (!seen.Add(path)) continue;
            string script = await GetCheckedAsync(http, path, "text/javascript");
            Assert.DoesNotMatch(HtmlSink(), script);
            foreach (Match import in ImportPath().Matches(script)) pending.Enqueue(new Uri(new Uri(http.BaseAddress!, path), import.Groups[1].Value).AbsolutePath);
        }
        Assert.True(seen.Count >= 15, $"only {seen.Count} modules found from main.js");
        // The page preloads exactly the modules it imports: none forgotten (a slower page), none stale (a 404).
        var preloaded = PreloadLink().Matches(html).Select(m => "/" + m.Groups[1].Value).Append("/js/main.js");
        Assert.Equal(seen.Order(StringComparer.Ordinal), preloaded.Order(StringComparer.Ordinal));

        using var missing = await http.GetAsync("/js/nothing-here.js", ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Served compressed when the browser can take it, and revalidated for a few bytes on later loads.
        using var compressed = new HttpRequestMessage(HttpMethod.Get, "/js/list-view.js");
        compressed.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var first = await http.SendAsync(compressed, ct);
        Assert.Equal("br", first.Content.Headers.ContentEncoding.Single());
        using var again = new HttpRequestMessage(HttpMethod.Get, "/js/list-view.js");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await http.SendAsync(again, ct);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task The_page_and_its_files_refuse_a_foreign_host_name_as_the_rpc_does()
    {
        using var dir = new TempDirectory("webui-host");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var path in new[] { "/", "/js/main.js", "/css/app.css" })
        {
            Assert.Equal(HttpStatusCode.MisdirectedRequest, await StatusWithHostAsync(http, new Uri(daemon.PageUrl, path), "attacker.example"));
            Assert.Equal(HttpStatusCode.OK, await StatusWithHostAsync(http, new Uri(daemon.PageUrl, path), $"localhost:{daemon.PageUrl.Port}"));
        }
        Assert.Equal(HttpStatusCode.MisdirectedRequest, await StatusWithHostAsync(http, daemon.RpcUrl, "attacker.example", HttpMethod.Post));
    }

    [Fact]
    public async Task With_a_password_the_page_and_its_files_need_it_and_the_browser_then_works()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-auth");
        await File.WriteAllTextAsync(dir.Combine("password"), "correct horse\n", TestContext.Current.CancellationToken);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"), "--rpc-username", "alice", "--rpc-password-file", dir.Combine("password"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var path in new[] { "/", "/js/main.js" })
        {
            using var refused = await http.GetAsync(new Uri(daemon.PageUrl, path), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Basic", refused.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var rpc = new RpcClient(daemon.RpcUrl, "alice", "correct horse");
        string data = dir.WriteRandomFile("secret.bin", 50_000);
        var torrent = await new TorrentBuilder { PieceLength = 16 * 1024 }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
        await rpc.AddTorrentAsync(torrent.Encode(), paused: true);

        await using var web = await WebPage.OpenAsync(browser, daemon.PageUrl, credentials: new() { Username = "alice", Password = "correct horse" });
        await Assertions.Expect(web.Row("secret.bin")).ToHaveCountAsync(1);
        web.AssertNothingWentWrong();
    }

    [Fact]
    public async Task Another_sites_page_cannot_drive_the_daemon()
    {
        var browser = chromium.Browser;
        using var dir = new TempDirectory("webui-csrf");
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("daemon"));
        string data = dir.WriteRandomFile("victim.bin", 50_000);
        var torrent = await new TorrentBuilder { PieceLength = 16 * 1024 }.BuildAsync(data, cancellationToken: TestContext.Current.CancellationToken);
        await daemon.Rpc.AddTorrentAsync(torrent.Encode(), paused: true);

        // The attacker's page, on another origin (another port of loopback), served by the browser itself.
        var context = await browser.NewContextAsync();
        await using var _ = new AsyncCleanup(() => context.CloseAsync());
        var page = await context.NewPageAsync();
        const string attacker = "http://127.0.0.1:1/";
        string rpc = daemon.RpcUrl.ToString();
        await page.RouteAsync(attacker, route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $$$"""
                <form id="f" method="POST" action="{{{rpc}}}" enctype="text/plain">
                  <input name='{"method":"torrent-remove","arguments":{"delete-local-data":true},"x":"' value='"}'>
                  <button id="go">Win a prize</button>
                </form>
                """,
        }));
        await page.GotoAsync(attacker);
        // A script of that page posts to the RPC (Chromium may refuse the request or hand back an opaque answer: either
        // way the page learns nothing), then the form is submitted: one step at a time, each awaited, so a slow machine
        // makes the test slower, not wrong.
        await page.EvaluateAsync<string>($$$"""
            () => fetch("{{{rpc}}}", { method: "POST", mode: "no-cors", body: '{"method":"session-set","arguments":{"alt-speed-enabled":true}}' })
                .then(() => "sent", () => "failed")
            """);
        await page.Locator("#go").ClickAsync();
        await page.WaitForURLAsync(rpc, new() { Timeout = 60_000 });
        // The form's request reached the daemon, which refused it for want of the session id.
        Assert.Contains("409", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);

        Assert.Equal(1, await daemon.Rpc.CountAsync());
        var session = await daemon.Rpc.CallAsync("session-get", new { fields = new[] { "alt-speed-enabled" } });
        Assert.False(session.GetProperty("alt-speed-enabled").GetBoolean());
    }

    private static async Task<string> GetCheckedAsync(HttpClient http, string path, string contentType)
    {
        using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        Assert.StartsWith(contentType, response.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
        string csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<HttpStatusCode> StatusWithHostAsync(HttpClient http, Uri url, string host, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, url);
        request.Headers.Host = host;
        if (request.Method == HttpMethod.Post) request.Content = new StringContent("""{"method":"session-get"}""");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private sealed class AsyncCleanup(Func<Task> cleanup) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await cleanup();
    }
}
