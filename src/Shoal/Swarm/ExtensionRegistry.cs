using System.Buffers;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>A BEP 10 extension (ut_metadata, ut_pex ...) plugged into a torrent's connections.</summary>
internal interface IPeerExtension
{
    /// <summary>Name in the handshake's 'm' dictionary.</summary>
    string Name { get; }

    /// <summary>Adds this extension's keys (e.g. metadata_size) to our extension handshake for a peer.</summary>
    void Contribute(ExtensionHandshake handshake) { }

    /// <summary>The peer's extension handshake arrived.</summary>
    void OnHandshake(PeerConnection peer) { }

    /// <summary>A message for this extension arrived (the id was the one we assigned).</summary>
    void OnMessage(PeerConnection peer, ReadOnlySequence<byte> payload);

    /// <summary>The peer disconnected.</summary>
    void OnDisconnected(PeerConnection peer) { }

    /// <summary>Once a second, outside the session lock (for periodic work such as PEX's one-minute rhythm).</summary>
    void OnTick() { }
}

/// <summary>The extensions a torrent speaks, with the message ids we ask peers to use for them (1, 2, ...).</summary>
internal sealed class ExtensionRegistry
{
    private readonly List<IPeerExtension> _extensions = [];

    public void Register(IPeerExtension extension) => _extensions.Add(extension);

    public IReadOnlyList<IPeerExtension> All => _extensions;

    public byte LocalId(IPeerExtension extension) => (byte)(_extensions.IndexOf(extension) + 1);

    public void FillHandshake(ExtensionHandshake handshake)
    {
        for (int i = 0; i < _extensions.Count; i++)
        {
            handshake.Extensions[_extensions[i].Name] = (byte)(i + 1);
            _extensions[i].Contribute(handshake);
        }
    }

    public void OnHandshake(PeerConnection peer)
    {
        foreach (var extension in _extensions) extension.OnHandshake(peer);
    }

    /// <summary>Routes an extended message by the id we assigned; ids we never assigned are ignored.</summary>
    public void Dispatch(PeerConnection peer, byte id, ReadOnlySequence<byte> payload)
    {
        if (id >= 1 && id <= _extensions.Count) _extensions[id - 1].OnMessage(peer, payload);
    }

    public void OnDisconnected(PeerConnection peer)
    {
        foreach (var extension in _extensions) extension.OnDisconnected(peer);
    }

    public void OnTick()
    {
        foreach (var extension in _extensions) extension.OnTick();
    }
}
