using Microsoft.Extensions.Time.Testing;
using Shoal.Cli.Output;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

/// <summary>
/// Names from a hostile torrent: too long once ".part" is added, colliding only by case, reserved on Windows, or
/// carrying terminal control sequences. Each is refused with the offending path, and no name reaches a terminal raw.
/// </summary>
[Trait("Category", "Hostile")]
public class HostileNameTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StorageOptions Options() => new() { TimeProvider = new FakeTimeProvider() };

    [Theory]
    [InlineData(250, null)]
    [InlineData(251, "251 bytes")]
    public void The_255_byte_limit_counts_UTF8_bytes_and_the_part_suffix(int bytes, string? why)
    {
        // 'é' is two bytes in UTF-8: a name of 125 of them is 250 bytes but only 125 characters.
        string name = bytes % 2 == 0 ? new string('é', bytes / 2) : "x" + new string('é', bytes / 2);
        Assert.Equal(bytes, System.Text.Encoding.UTF8.GetByteCount(name));
        var reason = PathSafety.WhyUnsafe(name);
        if (why is null) Assert.Null(reason);
        else Assert.Contains(why, reason);
    }

    [Theory]
    [InlineData("a:b.txt", "':'")]
    [InlineData("file.txt:hidden-stream", "':'")]
    [InlineData("trailing.", "a trailing dot or space")]
    [InlineData("trailing ", "a trailing dot or space")]
    [InlineData("CON", "reserved device name")]
    [InlineData("nul.tar.gz", "reserved device name")]
    [InlineData("com1", "reserved device name")]
    [InlineData("COM\u00b9", "reserved device name")]
    [InlineData("LPT0.txt", "reserved device name")]
    [InlineData("CONIN$", "reserved device name")]
    [InlineData("conout$.log", "reserved device name")]
    [InlineData("AUX .txt", "reserved device name")]
    [InlineData("c1\u009bcontrol", "a control character")]
    public void Windows_reserved_forms_and_controls_are_refused(string name, string why)
    {
        Assert.Contains(why, PathSafety.WhyUnsafe(name));
    }

    [Theory]
    [InlineData("CONSOLE")]
    [InlineData("COM10")]
    [InlineData(".hidden")]
    [InlineData("a.b.c")]
    [InlineData("über ñame")]
    public void Ordinary_names_pass(string name) => Assert.Null(PathSafety.WhyUnsafe(name));

    [Theory]
    [InlineData(new[] { "Readme.txt" }, new[] { "README.TXT" }, "Readme.txt", "README.TXT")]
    [InlineData(new[] { "Dir", "a" }, new[] { "dir", "a" }, "Dir/a", "dir/a")]
    [InlineData(new[] { "x" }, new[] { "X.part" }, "x", "X.part")]
    [InlineData(new[] { "a" }, new[] { "A", "b" }, "a", "A/b")]
    public async Task Names_that_differ_only_by_case_are_refused_naming_both(string[] first, string[] second, string shownFirst, string shownSecond)
    {
        using var dir = new TempDirectory("names");
        var info = TestTorrents.Unchecked("t", first, second);
        var error = await Assert.ThrowsAsync<InvalidTorrentException>(async () => await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct));
        Assert.Contains($"t/{shownFirst}", error.Message);
        Assert.Contains($"t/{shownSecond}", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task Names_in_different_folders_or_spelled_differently_are_fine()
    {
        using var dir = new TempDirectory("names");
        var (info, _) = TestTorrents.Create("t", 16_384, true, new TestTorrents.Spec("a/readme", 10), new TestTorrents.Spec("b/README2", 10));
        await using var storage = await FileStorage.OpenAsync(info, dir.Path, Options(), null, Ct);
        Assert.Equal(0, storage.Verified.SetCount);
    }

    [Theory]
    [InlineData("esc\u001b[2Jx", "esc?[2Jx")]
    [InlineData("csi\u009b31m", "csi?31m")]
    [InlineData("rlo\u202egnp.exe", "rlo?gnp.exe")]
    [InlineData("isolate\u2067x\u2069", "isolate?x?")]
    [InlineData("mark\u200f\u200e\u061c", "mark???")]
    [InlineData("line\u2028para\u2029", "line?para?")]
    [InlineData("nl\r\nx", "nl??x")]
    public void The_terminal_filter_replaces_controls_bidi_controls_and_line_breaks(string raw, string shown)
    {
        Assert.Equal(shown, TerminalText.Safe(raw));
    }
}
