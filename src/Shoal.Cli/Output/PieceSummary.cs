using Shoal.Client;
using Shoal.Storage;

namespace Shoal.Cli.Output;

/// <summary>
/// Honest wording for the pieces a torrent holds: only pieces hashed in this run are called verified; those held on the
/// last run's resume record's word are "resumed" (a seeder hashes each before its first upload).
/// </summary>
internal static class PieceSummary
{
    public static PieceCounts Of(ManagedTorrent torrent) =>
        torrent.Storage is FileStorage files ? files.Counts : new PieceCounts(torrent.Status.PiecesVerified, 0, 0);

    /// <summary>"all 64 pieces verified (4 already on disk, 60 downloaded)", or "64 pieces (60 resumed from the last run, 4 downloaded)".</summary>
    public static string Done(PieceCounts pieces)
    {
        if (pieces.Resumed == 0)
        {
            string all = $"all {pieces.Held:N0} pieces verified";
            if (pieces.CheckedOnDisk == 0) return all;
            return pieces.Downloaded == 0 ? $"{all} (all already on disk)" : $"{all} ({pieces.CheckedOnDisk:N0} already on disk, {pieces.Downloaded:N0} downloaded)";
        }
        var parts = new List<string> { $"{pieces.Resumed:N0} resumed from the last run" };
        if (pieces.CheckedOnDisk > 0) parts.Add($"{pieces.CheckedOnDisk:N0} verified on disk");
        parts.Add($"{pieces.Downloaded:N0} downloaded");
        return $"{pieces.Held:N0} pieces ({string.Join(", ", parts)})";
    }

    /// <summary>What a download starts from, or null when nothing is on disk yet.</summary>
    public static string? AlreadyHere(PieceCounts pieces, int pieceCount) =>
        pieces.Held == 0 ? null :
        pieces.Resumed == 0 ? $"{pieces.Held:N0} of {pieceCount:N0} pieces already here and verified" :
        pieces.Hashed == 0 ? $"{pieces.Resumed:N0} of {pieceCount:N0} pieces resumed from the last run (not hashed again; --recheck hashes them)" :
        $"{pieces.Held:N0} of {pieceCount:N0} pieces already here: {pieces.Resumed:N0} resumed from the last run, {pieces.Hashed:N0} verified now";

    /// <summary>"40/96 verified pieces", or "40/96 pieces (12 resumed from the last run)".</summary>
    public static string Held(PieceCounts pieces, int pieceCount) => pieces.Resumed == 0
        ? $"{pieces.Held:N0}/{pieceCount:N0} verified pieces"
        : $"{pieces.Held:N0}/{pieceCount:N0} pieces ({pieces.Resumed:N0} resumed from the last run)";
}
