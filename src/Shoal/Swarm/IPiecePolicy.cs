namespace Shoal.Swarm;

/// <summary>
/// What to start downloading first, beyond rarity: file priorities and skipped files, sequential download, a file's
/// first and last pieces first (for previews). The picker asks it only when choosing a new piece among those a peer
/// can give; partly downloaded pieces are always finished first. Set with <see cref="TorrentSession.SetPiecePolicy"/>.
/// </summary>
public interface IPiecePolicy
{
    /// <summary>False for a piece no wanted file needs: it is never started.</summary>
    bool IsWanted(int piece);

    /// <summary>Negative when piece <paramref name="a"/> should start before piece <paramref name="b"/>; 0 leaves it to rarity.</summary>
    int Compare(int a, int b);
}

/// <summary>Pieces in index order (a sequential download), only those <paramref name="wanted"/> says yes to.</summary>
public sealed class SequentialPolicy(Func<int, bool>? wanted = null) : IPiecePolicy
{
    public bool IsWanted(int piece) => wanted?.Invoke(piece) ?? true;

    public int Compare(int a, int b) => a.CompareTo(b);
}
