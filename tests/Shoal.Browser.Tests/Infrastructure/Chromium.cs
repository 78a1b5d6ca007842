using Microsoft.Playwright;
using Shoal.Tests.Support;

namespace Shoal.Browser.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium, launched once for the test run through Playwright. Nothing is downloaded: the executable
/// is /usr/bin/chromium (the `chromium` package), and the flags keep it from reaching for the network on its own.
/// Without it the tests skip, and fail under CI=true.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _unavailable;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            _unavailable = $"{ExecutablePath} is not installed (the Debian package chromium; run scripts/install-reference-programs.sh)";
            return;
        }
        // Expectations wait up to 15 s (the page updates every 2 s; the machine is shared with other builds).
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Timeout = 60_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--disable-default-apps", "--disable-extensions"],
        });
    }

    /// <summary>The browser, or a skip (a failure under CI) when Chromium is missing.</summary>
    public IBrowser Browser
    {
        get
        {
            if (_unavailable is not null) ReferencePrograms.Unavailable(_unavailable);
            return _browser!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }
}
