namespace Shoal.Tests.Support.Reference;

public enum TransferRole
{
    /// <summary>Serves data already on disk (checked first).</summary>
    Seed,

    /// <summary>Downloads into an empty folder.</summary>
    Leech,
}
