using System.Buffers;
using System.Net;
using Shoal.Metainfo;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>A BEP 10 extension (ut_metadata, ut_pex ...) riding on a torrent's connections.</summary>
internal interface IPeerExtension
{
    /// <summary>Name in the handshake's 'm' dictionary.</summary>
    string Name { get; }

    /// <summary>Offered in our extension handshake now (e.g. PEX only once the torrent is known not to be private).</summary>
    bool IsActive => true;

    /// <summary>Adds this extension's keys (e.g. metadata_size) to our extension handshake.</summary>
    void Contribute(ExtensionHandshake handshake) { }

    /// <summary>The peer's extension handshake arrived (again, possibly).</summary>
    void OnHandshake(IExtensionPeer peer) { }

    /// <summary>A message for this extension arrived (under the id we assigned). May throw <see cref="WireProtocolException"/>.</summary>
    void OnMessage(IExtensionPeer peer, ReadOnlySequence<byte> payload);

    /// <summary>The peer disconnected.</summary>
    void OnDisconnected(IExtensionPeer peer) { }

    /// <summary>Once a second, outside the torrent's lock.</summary>
    void OnTick() { }
}

/// <summary>A connected peer as an extension sees it.</summary>
internal interface IExtensionPeer
{
    IPEndPoint RemoteEndPoint { get; }

    /// <summary>Where it accepts connections (its dialled address, or the port its extension handshake gave).</summary>
    IPEndPoint? ListenEndPoint { get; }

    /// <summary>Its extension handshake, once received.</summary>
    ExtensionHandshake? RemoteExtensions { get; }

    /// <summary>Sends a message of extension <paramref name="name"/> under the id the peer asked for; false if it does not speak it.</summary>
    bool SendExtended(string name, byte[] payload);

    void Close(string reason);
}

/// <summary>A connected peer as PEX advertises it.</summary>
internal readonly record struct PeerContact(IExtensionPeer Peer, IPEndPoint? ListenEndPoint, bool IsSeed, bool IsIncoming,
    TransportKind Transport = TransportKind.Tcp, bool IsObfuscated = false);

/// <summary>The torrent as its extensions see it.</summary>
internal interface IExtensionHost
{
    InfoHash InfoHash { get; }

    TimeProvider Time { get; }

    /// <summary>The metadata, once known (a magnet's arrives later).</summary>
    TorrentInfo? Info { get; }

    /// <summary>Addresses learned from peers (PEX), told by <paramref name="reportedBy"/>.</summary>
    void AddPeers(IEnumerable<IPEndPoint> endPoints, PeerSource source, IPAddress? reportedBy);

    /// <summary>PEX contacts with their BEP 11 flags (which transport to dial first), told by <paramref name="reportedBy"/>.</summary>
    void AddExchangedPeers(IEnumerable<PexPeer> peers, IPAddress? reportedBy);

    /// <summary>The connected peers, captured under the torrent's lock.</summary>
    IReadOnlyList<PeerContact> ConnectedPeers();

    /// <summary>Drops the peer and never dials its address again for this torrent.</summary>
    void Ban(IExtensionPeer peer, string reason);
}

/// <summary>The extensions a torrent speaks, with the message ids we ask peers to use for them (1, 2, ...).</summary>
internal sealed class ExtensionRegistry
{
    private readonly List<IPeerExtension> _extensions = [];

    public void Register(IPeerExtension extension) => _extensions.Add(extension);

    public IReadOnlyList<IPeerExtension> All => _extensions;

    public void FillHandshake(ExtensionHandshake handshake)
    {
        for (int i = 0; i < _extensions.Count; i++)
        {
            if (!_extensions[i].IsActive) continue;
            handshake.Extensions[_extensions[i].Name] = (byte)(i + 1);
            _extensions[i].Contribute(handshake);
        }
    }

    public void OnHandshake(IExtensionPeer peer)
    {
        foreach (var extension in _extensions) extension.OnHandshake(peer);
    }

    /// <summary>Routes an extended message by the id we assigned; ids we never assigned (or no longer offer) are ignored.</summary>
    public void Dispatch(IExtensionPeer peer, byte id, ReadOnlySequence<byte> payload)
    {
        if (id >= 1 && id <= _extensions.Count && _extensions[id - 1].IsActive) _extensions[id - 1].OnMessage(peer, payload);
    }

    public void OnDisconnected(IExtensionPeer peer)
    {
        foreach (var extension in _extensions) extension.OnDisconnected(peer);
    }

    public void OnTick()
    {
        foreach (var extension in _extensions) extension.OnTick();
    }
}
