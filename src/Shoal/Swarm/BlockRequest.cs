namespace Shoal.Swarm;

/// <summary>One 16 KiB (or shorter, at a piece's end) block of a piece.</summary>
public readonly record struct BlockRequest(int Piece, int Begin, int Length)
{
    public const int BlockSize = 16 * 1024;
}
