namespace Shoal.Transport;

/// <summary>Which transports peers are reached with (`--transport`): both accept and dial; uTP is tried first.</summary>
public enum PeerTransportMode
{
    /// <summary>Accept TCP and uTP; dial uTP first and fall back to TCP (libtorrent's default).</summary>
    Both,

    /// <summary>TCP only.</summary>
    Tcp,

    /// <summary>uTP only (on the UDP port shared with the DHT).</summary>
    Utp,
}

public static class PeerTransportModes
{
    /// <summary>Parses `both|tcp|utp`.</summary>
    public static bool TryParse(string? text, out PeerTransportMode mode)
    {
        mode = text?.Trim().ToLowerInvariant() switch
        {
            "both" => PeerTransportMode.Both,
            "tcp" => PeerTransportMode.Tcp,
            "utp" => PeerTransportMode.Utp,
            _ => (PeerTransportMode)(-1),
        };
        return Enum.IsDefined(mode);
    }

    public static bool UsesUtp(this PeerTransportMode mode) => mode != PeerTransportMode.Tcp;

    public static bool UsesTcp(this PeerTransportMode mode) => mode != PeerTransportMode.Utp;
}
