using Shoal.Tests.Support;
using static Shoal.EndToEnd.Tests.Robustness.ShoalProcess;

namespace Shoal.EndToEnd.Tests.Daemon;

/// <summary>`shoal add --only` and `shoal files` number a hybrid torrent's files as the daemon's RPC does: real files only, padding left out.</summary>
public sealed class DaemonPaddingCliTests
{
    [Fact]
    public async Task Add_only_and_files_name_the_real_files_of_a_hybrid_torrent()
    {
        using var dir = new TempDirectory("daemon-padding");
        dir.WriteRandomFile("downloads/album/a.flac", 40_000, seed: 321);
        dir.WriteRandomFile("downloads/album/b.flac", 20_000, seed: 322);
        dir.WriteRandomFile("downloads/album/c.txt", 3_000, seed: 323);
        var create = Run("create", dir.Combine("downloads", "album"), "--hybrid", "--piece-size", "16K", "-o", dir.Combine("album.torrent"));
        Assert.True(create.ExitCode == 0, create.StdErr + create.StdOut);
        await using var daemon = await DaemonProcess.StartAsync(dir.Combine("state"), dir.Combine("downloads"));
        ProcessRunner.Result Shoal(params string[] args) => ProcessRunner.Run("dotnet", [CliPath, .. args, "--rpc", daemon.RpcUrl.ToString()], TimeSpan.FromSeconds(60));

        // Internally a.flac, pad, b.flac, pad, c.txt(, pad): --only must leave out RPC files 0 and 1, not 0–3.
        var add = Shoal("add", dir.Combine("album.torrent"), "--only", "*.txt", "--paused");
        Assert.True(add.ExitCode == 0, add.StdErr + add.StdOut);
        var files = Shoal("files", "1");
        Assert.True(files.ExitCode == 0, files.StdErr + files.StdOut);
        var rows = files.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.Matches(@"^\s*0\s.*\sNo\s.*album/a\.flac$", rows[0]);
        Assert.Matches(@"^\s*1\s.*\sNo\s.*album/b\.flac$", rows[1]);
        Assert.Matches(@"^\s*2\s.*\sYes\s.*album/c\.txt$", rows[2]);
        Assert.Matches(@"^\s*1\s.*High\s+Yes\s.*album/b\.flac$", Shoal("files", "1", "--want", "1", "--high", "1").StdOut.Split('\n')[2]);
    }
}
