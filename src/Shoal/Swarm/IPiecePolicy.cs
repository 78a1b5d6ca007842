namespace Shoal.Swarm;

/// <summary>
/// What to start downloading first, beyond rarity: file priorities and skipped files, sequential download, a file's
/// first and last pieces first (for previews). The picker asks it once, when it is set: unwanted pieces leave the set of
/// pieces to fetch, and the wanted ones are ranked (so <see cref="Compare"/> must be a consistent order). Partly
/// downloaded pieces are always finished first, and pieces of equal rank go rarest first. Set with <see cref="TorrentSession.SetPiecePolicy"/>;
/// <see cref="FileSelection"/> is the one the clients use.
/// </summary>
public interface IPiecePolicy
{
    /// <summary>False for a piece no wanted file needs: it is never started.</summary>
    bool IsWanted(int piece);

    /// <summary>Negative when piece <paramref name="a"/> should start before piece <paramref name="b"/>; 0 leaves it to rarity.</summary>
    int Compare(int a, int b);
}
