namespace Shoal.Storage;

/// <summary>
/// An upload read of a piece the storage will not serve: not verified, or just found not to match its hash any more
/// (the file changed behind Shoal's back). The piece is then missing again; the swarm rejects the request.
/// </summary>
public sealed class PieceUnavailableException(int piece, string message) : IOException(message)
{
    public int Piece { get; } = piece;
}
