using Microsoft.Playwright;

namespace Shoal.Browser.Tests.Infrastructure;

/// <summary>
/// The web interface open in a fresh browser context (no shared cookies or storage between tests), recording every script
/// error, console error and dialog, so a test can assert that nothing ran that should not have.
/// </summary>
public sealed class WebPage : IAsyncDisposable
{
    public static readonly ViewportSize Desktop = new() { Width = 1440, Height = 900 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private readonly IBrowserContext _context;
    private readonly List<string> _dialogs = [];
    private readonly List<string> _errors = [];

    private WebPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Dialog += async (_, dialog) =>
        {
            lock (_dialogs) _dialogs.Add($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
        page.PageError += (_, error) => { lock (_errors) _errors.Add($"page error: {error}"); };
        page.Console += (_, message) =>
        {
            // The first RPC call of a page is answered 409 by design (the session-id exchange); Chromium logs that.
            if (message.Type == "error" && !message.Text.Contains("409", StringComparison.Ordinal))
                lock (_errors) _errors.Add($"console: {message.Text}");
        };
    }

    public IPage Page { get; }

    /// <summary>alert/confirm/prompt dialogs that appeared (the page itself never opens one).</summary>
    public IReadOnlyList<string> Dialogs { get { lock (_dialogs) return [.. _dialogs]; } }

    /// <summary>Uncaught script errors and console errors (CSP violations are console errors).</summary>
    public IReadOnlyList<string> Errors { get { lock (_errors) return [.. _errors]; } }

    public static async Task<WebPage> OpenAsync(IBrowser browser, Uri url, ViewportSize? viewport = null, ColorScheme scheme = ColorScheme.Light,
        HttpCredentials? credentials = null)
    {
        var context = await browser.NewContextAsync(new()
        {
            ViewportSize = viewport ?? Desktop,
            ColorScheme = scheme,
            HttpCredentials = credentials,
            ReducedMotion = ReducedMotion.Reduce,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var opened = new WebPage(context, page);
        await page.GotoAsync(url.ToString());
        return opened;
    }

    /// <summary>The list row of the torrent whose name contains <paramref name="name"/>.</summary>
    public ILocator Row(string name) => Page.Locator("#grid-rows .row:not([hidden])").Filter(new() { HasText = name });

    public ILocator Rows => Page.Locator("#grid-rows .row:not([hidden])");

    /// <summary>Clicks a torrent's row (selecting it alone).</summary>
    public Task SelectAsync(string name) => Row(name).Locator(".c-name").ClickAsync();

    /// <summary>Opens the details of a torrent and one of its tabs (general, files, peers, trackers, pieces).</summary>
    public async Task OpenDetailsAsync(string name, string tab = "general")
    {
        await Row(name).Locator(".c-name").DblClickAsync();
        await Assertions.Expect(Page.Locator("#details")).ToBeVisibleAsync();
        await Page.Locator($"#tab-{tab}").ClickAsync();
        await Assertions.Expect(Page.Locator($"#panel-{tab}")).ToBeVisibleAsync();
    }

    public Task<string> ScreenshotAsync(string name) => Artifacts.ScreenshotAsync(Page, name);

    /// <summary>Fails if a script error, console error or dialog happened.</summary>
    public void AssertNothingWentWrong()
    {
        Assert.Empty(Dialogs);
        Assert.Empty(Errors);
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
