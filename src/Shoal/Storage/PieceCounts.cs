namespace Shoal.Storage;

/// <summary>
/// Where the pieces a storage holds come from, so no summary calls a piece verified that was not hashed in this run.
/// </summary>
/// <param name="Held">Pieces in <see cref="IPieceStorage.Verified"/>.</param>
/// <param name="Resumed">Held on a resume record's word only: not hashed in this run (each is before its first upload).</param>
/// <param name="Written">Pieces written in this run, each verified by the engine before it was written.</param>
public readonly record struct PieceCounts(int Held, int Resumed, int Written)
{
    /// <summary>Held pieces hashed in this run.</summary>
    public int Hashed => Held - Resumed;

    /// <summary>Held pieces downloaded in this run.</summary>
    public int Downloaded => Math.Min(Written, Hashed);

    /// <summary>Held pieces found on disk and hashed in this run (when opening, or before an upload).</summary>
    public int CheckedOnDisk => Hashed - Downloaded;
}
