using System.Buffers;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>Where the metadata exchange hands over what it fetched (the torrent).</summary>
internal interface IMetadataHost : IExtensionHost
{
    /// <summary>Metadata that hashes to the info-hash and parses: the torrent can start downloading.</summary>
    void OnMetadata(TorrentInfo info);

    /// <summary>Metadata that hashes to the info-hash but is not a valid info dictionary: nobody can ever send a better one.</summary>
    void OnMetadataInvalid(InvalidTorrentException error);

    /// <summary>The fetch moved on (a peer offered the metadata, a piece arrived).</summary>
    void OnMetadataProgress();
}

/// <summary>
/// BEP 9 (<c>ut_metadata</c>) on a torrent's connections, both ways. With the metadata in hand it serves it (see
/// <see cref="MetadataServer"/>). Without it (a magnet link) it fetches it over the same connections as everything else:
/// reads each peer's <c>metadata_size</c> (bounded; a peer announcing more than we accept is banned), asks several peers
/// for pieces in parallel, and accepts the result only if its SHA-1 is the info-hash. A peer that sends a piece of the
/// wrong size is banned; peers whose pieces made a mismatch get a strike (banned at once when they alone sent
/// everything), and the fetch starts over one peer at a time, so a liar is found. Peers that reject, or sit on a
/// request, are simply not asked again for a while: they stay connected, useful for the data once the metadata is in.
/// </summary>
internal sealed partial class MetadataExchange : IPeerExtension
{
    /// <summary>Metadata requests from a peer we answer (with rejects: we have nothing yet) before dropping it.</summary>
    private const int MaxRequestsWhileFetching = 64;

    private static readonly TimeSpan RejectBackoff = TimeSpan.FromSeconds(60);

    private readonly Lock _sync = new();
    private readonly IMetadataHost _host;
    private readonly EngineSettings _settings;
    private MetadataServer? _server;

    public MetadataExchange(IMetadataHost host, EngineSettings settings, ReadOnlyMemory<byte>? metadata)
    {
        _host = host;
        _settings = settings;
        if (metadata is { } known) _server = new MetadataServer(known);
    }

    public string Name => MetadataMessage.ExtensionName;

    public bool HasMetadata
    {
        get { lock (_sync) return _server is not null; }
    }

    public void Contribute(ExtensionHandshake handshake)
    {
        lock (_sync)
            if (_server is not null) handshake.MetadataSize = _server.Size;
    }

    public void OnHandshake(IExtensionPeer peer)
    {
        string? ban = null;
        int? size = peer.RemoteExtensions?.MetadataSize;
        lock (_sync)
        {
            if (_server is not null)
            {
                // Once the metadata is verified, announcing another size is a lie.
                if (size is not null && size != _server.Size) ban = $"metadata_size {size}, but the verified metadata has {_server.Size} bytes";
            }
            else if (peer.RemoteExtensions?.Extensions.GetValueOrDefault(Name) is not > 0 || size is null) return;
            else if (size > _settings.MaxMetadataSize) ban = $"metadata_size {size} exceeds the {_settings.MaxMetadataSize}-byte limit";
            else OfferedBy(peer, size.Value);
        }
        if (ban is not null) _host.Ban(peer, ban);
        else _host.OnMetadataProgress();
    }

    public void OnMessage(IExtensionPeer peer, ReadOnlySequence<byte> payload)
    {
        if (!MetadataMessage.TryParse(payload, out var message, out var data)) return;
        byte[]? reply = null;
        string? ban = null;
        MetadataAssembler<IExtensionPeer>? completed = null;
        lock (_sync)
        {
            switch (message.Type)
            {
                case MetadataMessageType.Request when _server is not null:
                    reply = _server.Answer(peer, message.Piece);
                    break;
                case MetadataMessageType.Request:
                    if (++Fetching(peer).RequestsFromPeer > MaxRequestsWhileFetching) throw new WireProtocolException("ut_metadata request flood");
                    reply = MetadataMessage.EncodeReject(message.Piece);
                    break;
                case MetadataMessageType.Reject:
                    // It does not have the metadata (yet): let others serve, and ask it again later.
                    Rejected(peer, message.Piece);
                    break;
                case MetadataMessageType.Data:
                    (completed, ban) = Received(peer, message, data);
                    break;
            }
        }
        if (reply is not null) peer.SendExtended(Name, reply);
        if (ban is not null) _host.Ban(peer, ban);
        if (message.Type == MetadataMessageType.Data) _host.OnMetadataProgress();
        if (completed is not null) Verify(completed);
    }

    public void OnDisconnected(IExtensionPeer peer)
    {
        lock (_sync) Forget(peer);
    }

    /// <summary>Once a second: peers sitting on a request past the timeout are not asked again for a while.</summary>
    public void OnTick()
    {
        lock (_sync) ReassignLate(_host.Time.GetTimestamp());
    }

    /// <summary>Verified metadata: from now on it is served.</summary>
    private void Verify(MetadataAssembler<IExtensionPeer> assembler)
    {
        if (!assembler.Matches(_host.InfoHash))
        {
            List<IExtensionPeer> liars;
            lock (_sync) liars = Mismatched(assembler);
            // Banned outside our lock: the torrent takes its own.
            foreach (var liar in liars) _host.Ban(liar, "sent metadata that does not match the info-hash");
            return;
        }
        TorrentInfo info;
        try
        {
            info = TorrentInfo.Parse(assembler.Bytes);
        }
        catch (InvalidTorrentException ex)
        {
            _host.OnMetadataInvalid(new InvalidTorrentException($"the metadata matching info-hash {_host.InfoHash} is not a valid info dictionary: {ex.Message}", ex));
            return;
        }
        List<IExtensionPeer> wrongSize;
        lock (_sync)
        {
            if (_server is not null) return;
            _server = new MetadataServer(info.RawInfo);
            // The size is proven now: whoever announced another one lied (and may have stalled us while we believed it).
            wrongSize = [.. _peers.Where(p => p.Value.MetadataSize is int size && size != _server.Size).Select(p => p.Key)];
            EndFetch();
        }
        foreach (var liar in wrongSize) _host.Ban(liar, "announced a metadata_size other than the verified metadata's");
        _host.OnMetadata(info);
    }
}
