using System.Text.Json;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Cli;

/// <summary>`shoal create` and `shoal info` run as the real program (dotnet Shoal.Cli.dll), output redirected.</summary>
public class CreateAndInfoCommandTests
{
    private const int UsageError = 2;
    private const int NetworkError = 4;
    private const int InvalidInput = 3;

    private static ProcessRunner.Result Shoal(string workingDirectory, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Shoal.Cli.dll");
        return ProcessRunner.Run("dotnet", [dll, .. args], TimeSpan.FromSeconds(60), workingDirectory);
    }

    /// <summary>One line on stderr, prefixed "shoal:", with no stack trace.</summary>
    private static void AssertOneLineError(ProcessRunner.Result result, int exitCode, string expected)
    {
        Assert.Equal(exitCode, result.ExitCode);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("shoal: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", result.StdErr + result.StdOut);
        Assert.DoesNotContain("Exception", result.StdErr);
    }

    [Fact]
    public void CreateThenInfoDescribeTheSameTorrent()
    {
        using var dir = new TempDirectory("cli");
        dir.WriteRandomFile("album/01.flac", 300_000, 1);
        dir.WriteRandomFile("album/cover/front.jpg", 50_000, 2);

        var created = Shoal(dir.Path, "create", "album", "--tracker", "http://127.0.0.1:9/announce", "-t", "udp://127.0.0.1:9,http://127.0.0.1:8/a",
            "--piece-size", "64K", "--private", "--comment", "test run", "--web-seed", "http://127.0.0.1:9/files/");
        Assert.Equal(0, created.ExitCode);
        Assert.Contains("Hashing album: 2 files, 341.8 KiB in 6 pieces of 64 KiB", created.StdOut);
        Assert.Contains($"Created {dir.Combine("album.torrent")}", created.StdOut);
        Assert.DoesNotContain("\u001b", created.StdOut); // plain output when not on a terminal

        var torrent = Torrent.Load(dir.Combine("album.torrent"));
        Assert.Contains($"info-hash  {torrent.InfoHash}", created.StdOut);
        Assert.Equal([["http://127.0.0.1:9/announce"], ["udp://127.0.0.1:9", "http://127.0.0.1:8/a"]], torrent.AnnounceTiers);
        Assert.True(torrent.Info.IsPrivate);
        Assert.Equal(64 * 1024, torrent.Info.PieceLength);
        Assert.Equal("test run", torrent.Comment);
        Assert.StartsWith("Shoal/", torrent.CreatedBy);
        Assert.NotNull(torrent.CreationDate);

        var info = Shoal(dir.Path, "info", "album.torrent");
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("name        album", info.StdOut);
        Assert.Contains($"info-hash   {torrent.InfoHash}", info.StdOut);
        Assert.Contains("size        341.8 KiB (350,000 bytes) in 2 files", info.StdOut);
        Assert.Contains("pieces      6 × 64 KiB", info.StdOut);
        Assert.Contains("private     yes", info.StdOut);
        Assert.Contains("tier 2: udp://127.0.0.1:9, http://127.0.0.1:8/a", info.StdOut);
        Assert.Contains($"magnet      {MagnetLink.FromTorrent(torrent)}", info.StdOut);
        Assert.Contains("├── 01.flac  (293 KiB)", info.StdOut);
        Assert.Contains("└── cover/", info.StdOut);
        Assert.Contains("    └── front.jpg  (48.8 KiB)", info.StdOut);

        var json = JsonDocument.Parse(Shoal(dir.Path, "info", "album.torrent", "--json").StdOut).RootElement;
        Assert.Equal("torrent", json.GetProperty("kind").GetString());
        Assert.Equal(torrent.InfoHash.ToHex(), json.GetProperty("infoHash").GetString());
        Assert.Equal(350_000, json.GetProperty("totalLength").GetInt64());
        Assert.Equal(6, json.GetProperty("pieceCount").GetInt32());
        Assert.True(json.GetProperty("private").GetBoolean());
        Assert.Equal(["01.flac", "cover/front.jpg"], json.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(["http://127.0.0.1:9/files/"], json.GetProperty("webSeeds").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public void CreateWithoutDateIsReproducibleAndHonoursOutputAndForce()
    {
        using var dir = new TempDirectory("cli");
        dir.WriteRandomFile("file.iso", 100_000);
        Assert.Equal(0, Shoal(dir.Path, "create", "file.iso", "-t", "http://127.0.0.1:9/a", "--no-date", "-o", "one.torrent").ExitCode);
        Assert.Equal(0, Shoal(dir.Path, "create", "file.iso", "-t", "http://127.0.0.1:9/a", "--no-date", "-o", "two.torrent").ExitCode);
        Assert.Equal(File.ReadAllBytes(dir.Combine("one.torrent")), File.ReadAllBytes(dir.Combine("two.torrent")));
        Assert.False(((BDictionary)BValue.Parse(File.ReadAllBytes(dir.Combine("one.torrent")))).ContainsKey("creation date"));

        AssertOneLineError(Shoal(dir.Path, "create", "file.iso", "-t", "http://127.0.0.1:9/a", "-o", "one.torrent"), UsageError, "already exists (use --force");
        Assert.Equal(0, Shoal(dir.Path, "create", "file.iso", "-t", "http://127.0.0.1:9/a", "-o", "one.torrent", "--force").ExitCode);
        Assert.NotNull(Torrent.Load(dir.Combine("one.torrent")).CreationDate);
    }

    [Fact]
    public void CreateRejectsUserMistakesInOneLine()
    {
        using var dir = new TempDirectory("cli");
        dir.WriteRandomFile("f", 1000);
        dir.WriteRandomFile("zero/empty", 0);
        Directory.CreateDirectory(dir.Combine("nothing"));
        AssertOneLineError(Shoal(dir.Path, "create", "missing", "-t", "http://127.0.0.1:9/a"), UsageError, "no such file or folder: missing");
        AssertOneLineError(Shoal(dir.Path, "create", "f", "-t", "not-a-url"), UsageError, "'not-a-url' is not a tracker URL");
        AssertOneLineError(Shoal(dir.Path, "create", "f", "--piece-size", "3K"), UsageError, "--piece-size must be a power of two");
        AssertOneLineError(Shoal(dir.Path, "create", "f", "--piece-size", "8K"), UsageError, "--piece-size must be a power of two");
        AssertOneLineError(Shoal(dir.Path, "create", "f", "--piece-size", "lots"), UsageError, "--piece-size 'lots' is not a size");
        AssertOneLineError(Shoal(dir.Path, "create", "zero"), UsageError, "holds no data");
        AssertOneLineError(Shoal(dir.Path, "create", "nothing"), UsageError, "holds no files");
        AssertOneLineError(Shoal(dir.Path, "create", "f", "-o", "no/such/dir/x.torrent"), UsageError, "does not exist");
        Assert.False(File.Exists(dir.Combine("f.torrent")));
    }

    [Fact]
    public void InfoRejectsBadInputInOneLine()
    {
        using var dir = new TempDirectory("cli");
        File.WriteAllText(dir.Combine("corrupt.torrent"), "d4:infod4:name");
        File.WriteAllText(dir.Combine("html.torrent"), "<html>404</html>");
        var evil = new BDictionary
        {
            { "files", new BList([new BDictionary { { "length", 1 }, { "path", new BList([new BString(".."), new BString("evil.sh")]) } }]) },
            { "name", "innocent" },
            { "piece length", 16384 },
            { "pieces", new BString(new byte[20]) },
        };
        File.WriteAllBytes(dir.Combine("evil.torrent"), new BDictionary { { "info", evil } }.Encode());

        AssertOneLineError(Shoal(dir.Path, "info", "missing.torrent"), UsageError, "no such file: missing.torrent");
        AssertOneLineError(Shoal(dir.Path, "info", dir.Path), UsageError, "is a folder");
        AssertOneLineError(Shoal(dir.Path, "info", "corrupt.torrent"), InvalidInput, "corrupt.torrent: not a valid .torrent file: unterminated");
        AssertOneLineError(Shoal(dir.Path, "info", "html.torrent"), InvalidInput, "does not start with a bencoded dictionary");
        AssertOneLineError(Shoal(dir.Path, "info", "evil.torrent"), InvalidInput, "unsafe path 'innocent/../evil.sh'");
        AssertOneLineError(Shoal(dir.Path, "info", "magnet:?xt=urn:btih:1234"), InvalidInput, "invalid magnet link: 'xt=urn:btih:1234' is not an info-hash");
        AssertOneLineError(Shoal(dir.Path, "info", "magnet:?dn=x"), InvalidInput, "has no 'xt=urn:btih:' (v1) or 'xt=urn:btmh:' (v2) info-hash");
        // Not a file but an info-hash: a torrent of the daemon is meant; without one, one line says so and how to mean a magnet.
        var noDaemon = ProcessRunner.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "Shoal.Cli.dll"), "info", "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"],
            TimeSpan.FromSeconds(60), dir.Path, new Dictionary<string, string> { ["SHOAL_RPC"] = $"http://127.0.0.1:{FreePort.Next()}/transmission/rpc" });
        AssertOneLineError(noDaemon, NetworkError, "no daemon answers at http://127.0.0.1:");
        Assert.Contains("pass magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a", noDaemon.StdErr);
    }

    [Fact]
    public void InfoDescribesAMagnetLink()
    {
        using var dir = new TempDirectory("cli");
        const string link = "magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&dn=Big+Buck+Bunny&xl=276134947&tr=udp%3A%2F%2F127.0.0.1%3A9&x.pe=[::1]:6881";
        var text = Shoal(dir.Path, "info", link);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("info-hash   c12fe1c06bba254a9dc9f519b335aa7c1367a88a", text.StdOut);
        Assert.Contains("name        Big Buck Bunny", text.StdOut);
        Assert.Contains("size        263.3 MiB (276,134,947 bytes)", text.StdOut);
        Assert.Contains("trackers    udp://127.0.0.1:9", text.StdOut);
        Assert.Contains("peers       [::1]:6881", text.StdOut);

        var json = JsonDocument.Parse(Shoal(dir.Path, "info", link, "--json").StdOut).RootElement;
        Assert.Equal("magnet", json.GetProperty("kind").GetString());
        Assert.Equal("Big Buck Bunny", json.GetProperty("name").GetString());
        Assert.Equal(276134947, json.GetProperty("totalLength").GetInt64());
        Assert.Equal("[::1]:6881", json.GetProperty("peers")[0].GetString());
    }

    [Fact]
    public void InfoNeverPrintsTerminalEscapesFromATorrent()
    {
        using var dir = new TempDirectory("cli");
        var info = new BDictionary { { "length", 5 }, { "name", "ok\u001b]0;pwned\u0007" }, { "piece length", 16384 }, { "pieces", new BString(new byte[20]) } };
        var bytes = new BDictionary { { "comment", "\u001b[2Jcleared" }, { "info", info } }.Encode();
        File.WriteAllBytes(dir.Combine("t.torrent"), bytes);
        var result = Shoal(dir.Path, "info", "t.torrent");
        // The name is refused outright (control characters), so nothing of it reaches the terminal.
        AssertOneLineError(result, InvalidInput, "unsafe path");
        Assert.DoesNotContain("\u001b", result.StdErr);

        info["name"] = new BString("fine");
        File.WriteAllBytes(dir.Combine("t.torrent"), new BDictionary { { "comment", "\u001b[2Jcleared" }, { "info", info } }.Encode());
        result = Shoal(dir.Path, "info", "t.torrent");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("comment     ?[2Jcleared", result.StdOut);
        Assert.DoesNotContain("\u001b", result.StdOut);
    }

    [Fact]
    public void CreateV2AndHybridThenInfoShowsEveryHash()
    {
        using var dir = new TempDirectory("cli");
        dir.WriteRandomFile("album/01.flac", 300_000, 1);
        dir.WriteRandomFile("album/cover.jpg", 50_000, 2);

        var v2 = Shoal(dir.Path, "create", "album", "--v2", "--piece-size", "64K", "-o", "v2.torrent");
        Assert.Equal(0, v2.ExitCode);
        Assert.Contains("Hashing album (v2): 2 files, 341.8 KiB in 6 pieces of 64 KiB", v2.StdOut); // each file starts a piece
        var torrent = Torrent.Load(dir.Combine("v2.torrent"));
        var v2Hash = torrent.InfoHashes.V2!.Value;
        Assert.Contains($"info-hash  {v2Hash} (v2)", v2.StdOut);
        Assert.Contains($"magnet     magnet:?xt=urn:btmh:1220{v2Hash}&dn=album", v2.StdOut);

        var info = Shoal(dir.Path, "info", "v2.torrent");
        Assert.Contains($"info-hash   {v2Hash} (v2; trackers and peers see {v2Hash.Truncated})", info.StdOut);
        Assert.Contains("format      v2 (BEP 52)", info.StdOut);
        Assert.Contains("layers      complete", info.StdOut);
        Assert.Contains("size        341.8 KiB (350,000 bytes) in 2 files", info.StdOut); // padding is not content

        var hybrid = Shoal(dir.Path, "create", "album", "--hybrid", "--piece-size", "64K", "-o", "hybrid.torrent");
        Assert.Equal(0, hybrid.ExitCode);
        var both = Torrent.Load(dir.Combine("hybrid.torrent")).InfoHashes;
        var json = JsonDocument.Parse(Shoal(dir.Path, "info", "hybrid.torrent", "--json").StdOut).RootElement;
        Assert.Equal("hybrid", json.GetProperty("format").GetString());
        Assert.Equal(both.V1!.Value.ToHex(), json.GetProperty("infoHash").GetString()); // the hash used on the wire
        Assert.Equal(both.V1!.Value.ToHex(), json.GetProperty("infoHashV1").GetString());
        Assert.Equal(both.V2!.Value.ToHex(), json.GetProperty("infoHashV2").GetString());
        Assert.Equal(64, json.GetProperty("files")[0].GetProperty("piecesRoot").GetString()!.Length);
        Assert.True(json.GetProperty("files")[1].GetProperty("padding").GetBoolean());

        var magnet = Shoal(dir.Path, "info", $"magnet:?xt=urn:btih:{both.V1}&xt=urn:btmh:1220{both.V2}", "--json");
        json = JsonDocument.Parse(magnet.StdOut).RootElement;
        Assert.Equal(both.V2!.Value.ToHex(), json.GetProperty("infoHashV2").GetString());

        AssertOneLineError(Shoal(dir.Path, "create", "album", "--v2", "--hybrid"), UsageError, "--v2 and --hybrid exclude each other");
    }

    [Fact]
    public void V2OnlyTorrentsWithoutPieceLayersAreNotSeededFromOtherData()
    {
        using var dir = new TempDirectory("cli");
        dir.WriteRandomFile("data.bin", 100_000, 1);
        Assert.Equal(0, Shoal(dir.Path, "create", "data.bin", "--v2", "-o", "v2.torrent").ExitCode);
        var torrent = Torrent.Load(dir.Combine("v2.torrent"));
        var hash = torrent.InfoHashes.V2!.Value;
        // The same torrent without its 'piece layers': the seeder computes them from its data, which here is other data.
        File.WriteAllBytes(dir.Combine("bare.torrent"), new Torrent(Torrent.Parse(torrent.Encode()).Info, torrent.AnnounceTiers).Encode());
        Assert.True(torrent.Info.PieceLength < 100_000, "the file must need a piece layer");
        dir.WriteRandomFile("data.bin", 100_000, 2);

        var refused = Shoal(dir.Path, "seed", "data.bin", "--torrent", "bare.torrent", "--no-lsd", "--no-dht", "--bind", "127.0.0.1", "--port", "0");
        AssertOneLineError(refused, UsageError, "is not this torrent's data");
        Assert.Contains("'data.bin' under", refused.StdErr);
        AssertOneLineError(Shoal(dir.Path, "info", hash.ToHex()), UsageError, "looks like a v2 info-hash");
    }
}
