namespace Shoal.Storage;

/// <summary>Progress of hashing existing data on open.</summary>
/// <param name="Checked">Pieces hashed so far.</param>
/// <param name="ToCheck">Pieces that need hashing (those not vouched for by the resume record and whose files exist).</param>
/// <param name="Valid">Pieces found correct so far (hashed or trusted from the resume record).</param>
/// <param name="PieceCount">Pieces in the torrent.</param>
public readonly record struct RecheckProgress(int Checked, int ToCheck, int Valid, int PieceCount);
