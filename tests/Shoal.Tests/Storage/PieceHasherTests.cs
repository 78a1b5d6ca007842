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
