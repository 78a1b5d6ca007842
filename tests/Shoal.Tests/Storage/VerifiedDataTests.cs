using CsCheck;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Tests.Support;
using Shoal.Tests.Swarm.V2;

namespace Shoal.Tests.Storage;

/// <summary>
/// Verified pieces counted as bytes: only the files' own bytes, never padding (BEP 47 padding files, the zeros after each
/// v2 file's short last piece). The oracle is each data file's share of the verified pieces (<see cref="FileLayout.VerifiedBytes"/>).
/// </summary>
public sealed class VerifiedDataTests
{
    private const long AlbumBytes = 150_003 + 40_001 + 0 + 5; // V2SwarmTests.MakeAsync's files

    private static long Oracle(TorrentInfo info, Bitfield have)
    {
        var layout = new FileLayout(info);
        long sum = 0;
        for (int i = 0; i < info.Files.Count; i++)
            if (!info.Files[i].IsPadding && info.Files[i].Length > 0) sum += layout.VerifiedBytes(i, have);
        return sum;
    }

    [Theory]
    [InlineData(TorrentFormat.V1)]
    [InlineData(TorrentFormat.V2)]
    [InlineData(TorrentFormat.Hybrid)]
    public async Task Padded_piece_space_counts_only_file_bytes(TorrentFormat format)
    {
        using var dir = new TempDirectory("verified-data");
        var (torrent, _) = await V2SwarmTests.MakeAsync(dir, format);
        var info = torrent.Info;
        Assert.Equal(AlbumBytes, info.DataLength);
        // v2 and hybrid piece spaces hold padding; v1 packs the files.
        Assert.Equal(format != TorrentFormat.V1, info.TotalLength > info.DataLength);
        Assert.Equal(AlbumBytes, Enumerable.Range(0, info.PieceCount).Sum(info.PieceDataSize));

        var have = new Bitfield(info.PieceCount);
        Assert.Equal(0, VerifiedData.Bytes(info, have));
        var random = new Random(7);
        for (int round = 0; round < 50; round++)
        {
            have[random.Next(info.PieceCount)] = random.Next(3) > 0;
            Assert.Equal(Oracle(info, have), VerifiedData.Bytes(info, have));
            long sum = 0;
            for (int piece = 0; piece < info.PieceCount; piece++) if (have[piece]) sum += info.PieceDataSize(piece);
            Assert.Equal(sum, VerifiedData.Bytes(info, have));
        }
        for (int piece = 0; piece < info.PieceCount; piece++) have[piece] = true;
        Assert.Equal(AlbumBytes, VerifiedData.Bytes(info, have));
    }

    [Fact]
    public async Task A_v2_files_short_last_piece_holds_only_its_own_bytes()
    {
        using var dir = new TempDirectory("verified-data");
        var (torrent, _) = await V2SwarmTests.MakeAsync(dir, TorrentFormat.V2);
        var info = torrent.Info;
        const int P = 16 * 1024;
        // Every piece is whole on the wire (the last file padded too), but a file's last piece holds its tail only.
        Assert.Equal((long)info.PieceCount * P, info.TotalLength);
        var sizes = Enumerable.Range(0, info.PieceCount).Select(info.PieceDataSize).ToArray();
        Assert.Equal(info.PieceCount - 3, sizes.Count(s => s == P));
        Assert.Equal([5, 150_003 % P, 40_001 % P], sizes.Where(s => s != P).Order()); // 5, 2547, 7233
    }

    [Fact]
    public void Any_v1_file_list_with_padding_files_counts_like_its_files()
    {
        var files = Gen.Select(Gen.Long[0, 70_000], Gen.Bool).Array[1, 8].Where(f => f.Any(x => !x.Item2 && x.Item1 > 0));
        Gen.Select(files, Gen.Int[0, 1000]).Sample((list, seed) =>
        {
            long total = list.Sum(f => f.Item1);
            const int P = 16 * 1024;
            int pieces = (int)((total + P - 1) / P);
            var info = TorrentInfo.Create("t", P, new byte[pieces * 20],
                [.. list.Select((f, i) => ((IReadOnlyList<string>)[$"f{i}"], f.Item1, f.Item2))], multiFile: true);
            Assert.Equal(list.Where(f => !f.Item2).Sum(f => f.Item1), info.DataLength);
            var random = new Random(seed);
            var have = new Bitfield(pieces);
            for (int piece = 0; piece < pieces; piece++) have[piece] = random.Next(2) == 0;
            Assert.Equal(Oracle(info, have), VerifiedData.Bytes(info, have));
        }, iter: 200, seed: "0N0XIzNsQ0O2");
    }
}
