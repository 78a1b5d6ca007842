using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Cli;

/// <summary><c>shoal get --only PATTERN --sequential</c>: the matching files arrive whole, the others are never written.</summary>
public sealed class GetSelectionTests
{
    [Fact]
    public async Task Get_only_writes_the_matching_files_even_where_pieces_are_shared()
    {
        using var dir = new TempDirectory("get-only");
        // 64 KiB pieces: both ends of "2 skip.bin" lie in pieces shared with the wanted files around it.
        dir.WriteRandomFile("seed/album/1 keep.bin", 300_000, seed: 71);
        dir.WriteRandomFile("seed/album/2 skip.bin", 200_000, seed: 72);
        dir.WriteRandomFile("seed/album/3 keep.bin", 300_000, seed: 73);
        string torrent = dir.Combine("album.torrent");
        int port = FreePort.Next();
        await using var seeder = await StartSeederAsync(dir.Combine("seed", "album"), torrent, port, extra: ["--no-lsd"]);
        string output = dir.Combine("out");

        var result = await Task.Run(() => Run("get", torrent, "-o", output, "--port", "0", "--bind", "127.0.0.1", "--quiet", "--no-lsd",
            "--peer", $"127.0.0.1:{port}", "--idle-timeout", "30", "--only", "*keep*", "--sequential"), TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StdErr}{result.StdOut}");
        Assert.Contains("the 2 wanted files of 3", result.StdOut, StringComparison.Ordinal);
        foreach (var name in (string[])["1 keep.bin", "3 keep.bin"])
            Assert.Null(ContentComparison.Differences(dir.Combine("seed", "album", name), Path.Combine(output, "album", name)));
        Assert.False(File.Exists(Path.Combine(output, "album", "2 skip.bin")), "the unwanted file was written");
        Assert.False(File.Exists(Path.Combine(output, "album", "2 skip.bin.part")), "the unwanted file was started");
    }

    [Fact]
    public void A_pattern_no_file_matches_is_one_clear_line()
    {
        using var dir = new TempDirectory("get-only-none");
        dir.WriteRandomFile("seed/one.bin", 70_000, seed: 74);
        string torrent = dir.Combine("one.torrent");
        Run("create", dir.Combine("seed", "one.bin"), "-o", torrent).EnsureSuccess("create");
        var result = Run("get", torrent, "-o", dir.Combine("out"), "--port", "0", "--bind", "127.0.0.1", "--quiet", "--no-lsd", "--only", "*.mkv");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--only *.mkv: no file of one.bin matches", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }
}
