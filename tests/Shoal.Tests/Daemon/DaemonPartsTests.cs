using Shoal.Daemon.Engine;
using Shoal.Daemon.Rpc.Methods;
using Shoal.Daemon.Session;
using Shoal.Daemon.Torrents;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Daemon;

public sealed class DaemonPartsTests
{
    private const int P = 16 * 1024;

    private static TorrentInfo Info(params long[] sizes)
    {
        long total = sizes.Sum();
        int pieces = (int)((total + P - 1) / P);
        var files = sizes.Select((s, i) => ((IReadOnlyList<string>)[$"f{i}"], s, false)).ToList();
        return TorrentInfo.Create("t", P, new byte[pieces * 20], files, multiFile: true);
    }

    [Fact]
    public void File_progress_counts_the_bytes_of_verified_pieces_inside_each_file()
    {
        var info = Info(P * 3 / 2, 0, P, P / 4); // pieces: [0,P) [P,2P) [2P,2.75P)
        var have = new Bitfield(3);
        have[1] = true;
        Assert.Equal([(long)P / 2, 0, P / 2, 0], FileProgress.Completed(info, have));
        Assert.Equal(P, FileProgress.Verified(info, have));
        have[2] = true; // the short last piece
        Assert.Equal(P + P * 3 / 4, FileProgress.Verified(info, have));
        have[0] = true;
        Assert.Equal([(long)P * 3 / 2, 0, P, P / 4], FileProgress.Completed(info, have));
        Assert.Equal([0L, 0, 0, 0], FileProgress.Completed(info, null));
    }

    [Fact]
    public async Task Size_when_done_of_a_v2_selection_is_its_files_bytes_not_their_padded_pieces()
    {
        using var dir = new TempDirectory("when-done");
        var (torrent, _) = await Shoal.Tests.Swarm.V2.V2SwarmTests.MakeAsync(dir, TorrentFormat.V2);
        var info = torrent.Info;
        int two = info.Files.ToList().FindIndex(f => f.Length == 40_001);
        var have = new Bitfield(info.PieceCount);
        Assert.Equal((40_001L, 40_001L), FileProgress.WhenDone(info, i => i == two, have));
        Assert.Equal((info.DataLength, info.DataLength), FileProgress.WhenDone(info, _ => true, have));
        var (first, last) = new FileLayout(info).PieceRange(two);
        for (int piece = first; piece <= last; piece++) have[piece] = true;
        Assert.Equal((40_001L, 0L), FileProgress.WhenDone(info, i => i == two, have));
        Assert.Equal(40_001, FileProgress.Verified(info, have));
        Assert.Equal(40_001, FileProgress.Completed(info, have)[two]);
    }

    [Theory]
    [InlineData("http://t/announce\nhttp://u/announce\n\nudp://v:1\n", 2)]
    [InlineData("\n\nhttp://t/announce\n\n\n", 1)]
    [InlineData("", 0)]
    public void Tracker_lists_parse_into_tiers(string text, int tiers) => Assert.Equal(tiers, TrackerFields.ParseTrackerList(text)!.Count);

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://t/announce")]
    [InlineData("http://t/announce\njavascript:alert(1)")]
    public void Tracker_lists_with_anything_but_tracker_urls_are_refused(string text) => Assert.Null(TrackerFields.ParseTrackerList(text));

    [Fact]
    public void A_tracker_list_is_bounded() =>
        Assert.Null(TrackerFields.ParseTrackerList(string.Join('\n', Enumerable.Range(0, 300).Select(i => $"http://t{i}/announce"))));

    [Theory]
    [InlineData(540, 1020, 127, "2026-01-05T08:59", false)]
    [InlineData(540, 1020, 127, "2026-01-05T09:00", true)]
    [InlineData(540, 1020, 127, "2026-01-05T17:00", false)]
    [InlineData(1320, 360, 127, "2026-01-05T23:30", true)] // a window across midnight
    [InlineData(1320, 360, 127, "2026-01-05T05:59", true)]
    [InlineData(1320, 360, 127, "2026-01-05T12:00", false)]
    [InlineData(540, 1020, 2, "2026-01-05T10:00", true)] // Monday only: 2026-01-05 is a Monday
    [InlineData(540, 1020, 2, "2026-01-06T10:00", false)]
    public void The_alternative_speed_schedule_follows_its_window_and_days(int begin, int end, int days, string at, bool active)
    {
        var settings = new SessionSettings { DownloadDir = "/x", AltSpeedTimeBegin = begin, AltSpeedTimeEnd = end, AltSpeedTimeDay = days };
        Assert.Equal(active, settings.AltScheduleActive(DateTime.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Peer_flags_follow_Transmissions_letters()
    {
        var peer = new PeerView("1.2.3.4", 1, "x", ClientIsChoked: false, ClientIsInterested: true, PeerIsChoked: true, PeerIsInterested: true,
            IsIncoming: true, IsEncrypted: false, IsUtp: false, IsSeed: false, 0, 0, 0, PeerOrigin.PeerExchange);
        Assert.Equal("DuXI", peer.FlagStr);
        Assert.Equal("K?", (peer with { ClientIsInterested = false, PeerIsChoked = false, PeerIsInterested = false, IsIncoming = false, Origin = PeerOrigin.Tracker }).FlagStr);
        Assert.Equal("DuEXI", (peer with { IsEncrypted = true, IsObfuscated = true }).FlagStr);
        Assert.Equal("DueXI", (peer with { IsObfuscated = true }).FlagStr);
    }

    [Fact]
    public void Moving_and_deleting_data_touches_only_the_torrents_files()
    {
        using var dir = new TempDirectory("datafiles");
        var info = TorrentInfo.Create("top", P, new byte[20], [(["a", "x.bin"], 100, false), (["y.bin"], 100, false)], multiFile: true);
        dir.WriteRandomFile("from/top/a/x.bin", 100);
        dir.WriteRandomFile("from/top/y.bin.part", 60);
        dir.WriteRandomFile("from/top/mine.txt", 5);
        Assert.Equal(2, DataFiles.Move(info, dir.Combine("from"), dir.Combine("to")));
        Assert.True(File.Exists(dir.Combine("to", "top", "a", "x.bin")));
        Assert.True(File.Exists(dir.Combine("to", "top", "y.bin.part")));
        Assert.True(File.Exists(dir.Combine("from", "top", "mine.txt"))); // not the torrent's: stays, and so does its folder
        Assert.False(Directory.Exists(dir.Combine("from", "top", "a")));
        dir.WriteRandomFile("elsewhere/top/a/x.bin", 1);
        Assert.Throws<IOException>(() => DataFiles.Move(info, dir.Combine("to"), dir.Combine("elsewhere")));
        Assert.True(File.Exists(dir.Combine("to", "top", "a", "x.bin"))); // refused before moving anything
        Assert.Equal(2, DataFiles.Delete(info, dir.Combine("to")));
        Assert.False(Directory.Exists(dir.Combine("to", "top")));
    }

    [Fact]
    public void The_part_file_of_skipped_files_moves_and_goes_with_the_data()
    {
        using var dir = new TempDirectory("datafiles");
        var info = TorrentInfo.Create("top", P, new byte[20], [(["x.bin"], 100, false), (["y.bin"], 100, false)], multiFile: true);
        dir.WriteRandomFile("from/top/x.bin", 100);
        string parts = FileStorage.PartFileLocation(info.InfoHash, dir.Combine("from"));
        dir.WriteRandomFile(Path.GetRelativePath(dir.Path, parts), 30);
        Assert.Equal(2, DataFiles.Move(info, dir.Combine("from"), dir.Combine("to")));
        string moved = FileStorage.PartFileLocation(info.InfoHash, dir.Combine("to"));
        Assert.True(File.Exists(moved));
        Assert.False(Directory.Exists(Path.GetDirectoryName(parts)), "the emptied .shoal folder stays behind");
        Assert.Equal(2, DataFiles.Delete(info, dir.Combine("to")));
        Assert.False(File.Exists(moved));
        Assert.False(Directory.Exists(Path.GetDirectoryName(moved)));
    }
}
