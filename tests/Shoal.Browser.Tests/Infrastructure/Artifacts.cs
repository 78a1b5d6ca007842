using Microsoft.Playwright;

namespace Shoal.Browser.Tests.Infrastructure;

/// <summary>
/// Screenshots and figures the tests leave behind, in artifacts/ next to the test assembly: each one is attached to its
/// test's result and listed in the run's log (an xunit diagnostic message) and in artifacts/index.txt.
/// </summary>
public static class Artifacts
{
    public static string Folder { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    /// <summary>Saves a PNG of the whole viewport as artifacts/screenshots/NAME.png.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        string path = Path.Combine(Directory.CreateDirectory(Path.Combine(Folder, "screenshots")).FullName, name + ".png");
        byte[] png = await page.ScreenshotAsync(new() { Path = path });
        TestContext.Current.AddAttachment(name + ".png", png, "image/png");
        Record($"screenshot {path}");
        return path;
    }

    /// <summary>Writes a text artifact (figures) and logs where it is.</summary>
    public static string WriteText(string name, string text)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        TestContext.Current.AddAttachment(name, text);
        Record($"artifact {path}");
        return path;
    }

    private static void Record(string line)
    {
        lock (Folder) File.AppendAllText(Path.Combine(Folder, "index.txt"), line + Environment.NewLine);
        TestContext.Current.SendDiagnosticMessage(line);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
    }
}
