namespace Shoal.TrackerServer.Catalogue;

/// <summary>What became of a publish.</summary>
public enum PublishStatus
{
    /// <summary>A new entry.</summary>
    Added,
    /// <summary>The very same .torrent was already listed: nothing changed.</summary>
    Unchanged,
    /// <summary>A different .torrent with the same info-hash is listed; the first one is kept.</summary>
    Conflict,
    /// <summary>The bytes are not a valid .torrent.</summary>
    Invalid,
    /// <summary>The tracker's allow-list does not include this torrent.</summary>
    NotAllowed,
    /// <summary>The .torrent is larger than the catalogue accepts.</summary>
    TooLarge,
    /// <summary>The catalogue holds as many entries (or bytes) as it may.</summary>
    Full,
    /// <summary>The database refused the write; nothing was added.</summary>
    SaveFailed,
}

/// <summary>A publish's status, a one-line message for the publisher, and the entry concerned (when there is one).</summary>
public sealed record PublishResult(PublishStatus Status, string Message, CatalogueEntry? Entry = null);
