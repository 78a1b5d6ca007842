using System.Net;

namespace Shoal.Tests.Support.Reference;

/// <summary>How to run a <see cref="LibtorrentPeer"/>; everything else follows ../shared/INTEROP.md.</summary>
public sealed record LibtorrentOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int ListenPort { get; init; }

    /// <summary>Bytes per second, 0 = unlimited. Applies to loopback peers (ignore_limits_on_local_network is off).</summary>
    public long UploadRateLimit { get; init; }

    /// <summary>Bytes per second, 0 = unlimited.</summary>
    public long DownloadRateLimit { get; init; }

    /// <summary>Loads the ut_pex plugin and allows PEX for the torrent (off by default, per INTEROP.md).</summary>
    public bool EnablePex { get; init; }

    /// <summary>
    /// Runs libtorrent's DHT for the torrent, bootstrapped only from these nodes (loopback; INTEROP.md "DHT on loopback").
    /// Empty: no DHT.
    /// </summary>
    public IReadOnlyList<IPEndPoint> DhtBootstrap { get; init; } = [];

    /// <summary>Peers to dial as soon as the torrent is added, so no tracker is needed.</summary>
    public IReadOnlyList<IPEndPoint> ConnectTo { get; init; } = [];

    /// <summary>Forces a tracker announce this often, so peers that never dial loopback (Transmission) are found and dialled.</summary>
    public TimeSpan? ReannounceEvery { get; init; }

    /// <summary>Further libtorrent settings by name (settings_pack), e.g. ["out_enc_policy"] = "2";
    /// values are passed as int, true/false or string. Applied after the INTEROP.md defaults, so they can override them.</summary>
    public IReadOnlyDictionary<string, string> ExtraSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>How often the script prints a status line.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Bound on waiting for the session to listen and the torrent to be added.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Python { get; init; } = ReferenceExecutables.DebianPython;
}
