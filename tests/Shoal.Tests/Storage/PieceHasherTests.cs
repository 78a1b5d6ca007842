using Shoal.Storage;

namespace Shoal.Tests.Storage;

public class PieceHasherTests
{
    [Fact]
    public void Verify_accepts_only_the_exact_piece()
    {
        var (info, data) = TestTorrents.Single("h.bin", 40_000);
        for (int piece = 0; piece < info.PieceCount; piece++) Assert.True(PieceHasher.Verify(info, piece, TestTorrents.Piece(info, data, piece).Span));
        Assert.False(PieceHasher.Verify(info, 1, TestTorrents.Piece(info, data, 0).Span));
        Assert.False(PieceHasher.Verify(info, 2, TestTorrents.Piece(info, data, 2).Span[..^1]));
        Assert.False(PieceHasher.Verify(info, 3, TestTorrents.Piece(info, data, 2).Span));
        Assert.False(PieceHasher.Verify(info, -1, TestTorrents.Piece(info, data, 2).Span));
        var corrupt = TestTorrents.Piece(info, data, 0).ToArray();
        corrupt[^1] ^= 0x80;
        Assert.False(PieceHasher.Verify(info, 0, corrupt));
    }
}

/// <summary>v2 pieces against merkle hashes; a hybrid's pieces against both its SHA-1 and its merkle hashes.</summary>
public class PieceHasherV2Tests
{
    private const int Piece = 16 * 1024;

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] PieceOf(byte[] data, int piece, int size)
    {
        var buffer = new byte[size]; // zeros past the file's end: the padding of the v2 piece space
        data.AsSpan(piece * Piece, Math.Min(size, data.Length - piece * Piece)).CopyTo(buffer);
        return buffer;
    }

    [Fact]
    public void A_v2_piece_is_checked_against_its_piece_layer_and_its_padding_must_be_zeros()
    {
        var data = Bytes(40_000, 1);
        var info = Shoal.Metainfo.TorrentInfo.CreateV2("f", Piece, [(["f"], data.Length, Shoal.Tests.Metainfo.NaiveMerkle.Root(data))], multiFile: false);
        Assert.Equal(3 * Piece, info.TotalLength);
        Assert.False(info.HasAllPieceHashes);
        Assert.False(PieceHasher.Verify(info, 0, PieceOf(data, 0, Piece))); // no layer yet: nothing can be verified
        info.UsePieceLayers(Shoal.Metainfo.PieceLayers.FromVerified(info, new Dictionary<int, ReadOnlyMemory<byte>> { [0] = Shoal.Tests.Metainfo.NaiveMerkle.PieceLayer(data, Piece) }));
        Assert.True(info.HasAllPieceHashes);
        for (int p = 0; p < 3; p++) Assert.True(PieceHasher.Verify(info, p, PieceOf(data, p, info.PieceSize(p))), $"piece {p}");
        var last = PieceOf(data, 2, Piece);
        last[^1] = 1; // a byte of padding
        Assert.False(PieceHasher.Verify(info, 2, last));
        var bad = PieceOf(data, 1, Piece);
        bad[100] ^= 1;
        Assert.False(PieceHasher.Verify(info, 1, bad));
    }

    [Fact]
    public void A_hybrid_piece_must_match_both_descriptions()
    {
        // A hostile hybrid: its SHA-1 hashes describe one content, its merkle roots another.
        var sha1Data = Bytes(40_000, 2);
        var merkleData = Bytes(40_000, 3);
        var info = Shoal.Metainfo.TorrentInfo.CreateV2("f", Piece, [(["f"], merkleData.Length, Shoal.Tests.Metainfo.NaiveMerkle.Root(merkleData))],
            multiFile: false, v1PieceHashes: PieceHasher.HashPieces(sha1Data, Piece));
        Assert.True(info.IsHybrid);
        // Without piece layers a hybrid still verifies by SHA-1.
        Assert.True(PieceHasher.Verify(info, 0, PieceOf(sha1Data, 0, info.PieceSize(0))));
        info.UsePieceLayers(Shoal.Metainfo.PieceLayers.FromVerified(info, new Dictionary<int, ReadOnlyMemory<byte>> { [0] = Shoal.Tests.Metainfo.NaiveMerkle.PieceLayer(merkleData, Piece) }));
        for (int p = 0; p < info.PieceCount; p++)
        {
            Assert.False(PieceHasher.Verify(info, p, PieceOf(sha1Data, p, info.PieceSize(p))), $"piece {p} passed SHA-1 only");
            Assert.False(PieceHasher.Verify(info, p, PieceOf(merkleData, p, info.PieceSize(p))), $"piece {p} passed merkle only");
        }
    }
}
