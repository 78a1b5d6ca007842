using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Tests.Support;

namespace Shoal.Tests.Storage;

/// <summary>Piece layers a v2 .torrent lacks, computed from the data on disk and checked against each file's root.</summary>
public sealed class LocalPieceLayersTests
{
    private const int Piece = 16 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The folder's v2 torrent, and the same info parsed again without its 'piece layers'.</summary>
    private static async Task<(Torrent Full, TorrentInfo Bare)> BuildAsync(string folder)
    {
        var torrent = await new TorrentBuilder { PieceLength = Piece, Format = TorrentFormat.V2, IncludeCreationDate = false }.BuildAsync(folder, cancellationToken: Ct);
        var bare = Torrent.Parse(new Torrent(Torrent.Parse(torrent.Encode()).Info, torrent.AnnounceTiers).Encode()).Info;
        Assert.False(bare.HasAllPieceHashes);
        return (torrent, bare);
    }

    [Fact]
    public async Task Layers_computed_from_the_data_equal_the_ones_the_builder_wrote()
    {
        using var dir = new TempDirectory("layers");
        dir.WriteRandomFile("pack/big.bin", 5 * Piece + 123, seed: 1);
        dir.WriteRandomFile("pack/exact.bin", 4 * Piece, seed: 2);
        dir.WriteRandomFile("pack/small.bin", 100, seed: 3); // fits in a piece: its root is its hash, no layer
        var (full, bare) = await BuildAsync(dir.Combine("pack"));

        var outcome = await LocalPieceLayers.ComputeAsync(bare, dir.Path, cancellationToken: Ct);

        Assert.Equal(["big.bin", "exact.bin"], outcome.Computed.Order());
        Assert.Empty(outcome.Mismatched);
        Assert.Empty(outcome.Absent);
        Assert.True(bare.HasAllPieceHashes);
        for (int i = 0; i < bare.Files.Count; i++)
            Assert.Equal(full.Info.PieceLayers!.ForFile(i).ToArray(), bare.PieceLayers!.ForFile(i).ToArray());
    }

    [Fact]
    public async Task Other_data_of_the_same_length_or_another_length_is_a_mismatch_and_nothing_is_attached()
    {
        using var dir = new TempDirectory("layers");
        dir.WriteRandomFile("pack/a.bin", 3 * Piece + 1, seed: 1);
        dir.WriteRandomFile("pack/b.bin", 2 * Piece + 5, seed: 2);
        dir.WriteRandomFile("pack/c.bin", 2 * Piece + 9, seed: 3);
        var (_, bare) = await BuildAsync(dir.Combine("pack"));
        var bytes = File.ReadAllBytes(dir.Combine("pack", "a.bin"));
        bytes[2 * Piece + 7] ^= 1; // one flipped bit in the last piece
        File.WriteAllBytes(dir.Combine("pack", "a.bin"), bytes);
        dir.WriteRandomFile("pack/c.bin", 2 * Piece + 10, seed: 3);

        var outcome = await LocalPieceLayers.ComputeAsync(bare, dir.Path, cancellationToken: Ct);

        Assert.Equal(["a.bin", "c.bin"], outcome.Mismatched.Order());
        Assert.Equal(["b.bin"], outcome.Computed);
        Assert.False(bare.HasAllPieceHashes);
        Assert.Null(bare.PieceLayers);
    }

    [Fact]
    public async Task An_absent_file_keeps_lacking_its_layer_while_the_others_are_attached()
    {
        using var dir = new TempDirectory("layers");
        dir.WriteRandomFile("pack/a.bin", 3 * Piece + 1, seed: 1);
        dir.WriteRandomFile("pack/b.bin", 2 * Piece + 5, seed: 2);
        var (full, bare) = await BuildAsync(dir.Combine("pack"));
        File.Move(dir.Combine("pack", "b.bin"), dir.Combine("pack", "b.bin" + PathSafety.PartSuffix)); // unfinished

        var outcome = await LocalPieceLayers.ComputeAsync(bare, dir.Path, cancellationToken: Ct);

        Assert.Equal(["a.bin"], outcome.Computed);
        Assert.Equal(["b.bin"], outcome.Absent);
        Assert.False(bare.HasAllPieceHashes);
        int a = bare.Files.ToList().FindIndex(f => f.Path == "a.bin");
        Assert.Equal(full.Info.PieceLayers!.ForFile(a).ToArray(), bare.PieceLayers!.ForFile(a).ToArray());
    }
}
