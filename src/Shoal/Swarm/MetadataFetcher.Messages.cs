using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class MetadataFetcher
{
    /// <summary>The id we ask peers to send ut_metadata messages under.</summary>
    private const byte LocalMetadataId = 1;

    /// <summary>Bound on any message from a peer: big enough for the bitfield of a huge torrent, which we read past.</summary>
    private const int MaxMessageLength = 1 << 20;

    /// <summary>Metadata requests from a peer we answer (with rejects: we have nothing yet) before dropping it.</summary>
    private const int MaxRequestsFromPeer = 64;

    private static async Task SendLoopAsync(FetchPeer peer, Stream stream)
    {
        try
        {
            await foreach (var message in peer.Outbox.Reader.ReadAllAsync(peer.Closing).ConfigureAwait(false))
                await stream.WriteAsync(message, peer.Closing).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            peer.Close("send failed");
        }
    }

    private async Task ReceiveLoopAsync(FetchPeer peer, Stream stream)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(peer.Closing).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (MessageReader.TryRead(ref buffer, MaxMessageLength, out var message))
                {
                    if (message.Id == MessageId.Extended) OnExtended(peer, message.ExtendedId, message.Payload);
                }
                reader.AdvanceTo(buffer.Start, result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Everything but extension messages (bitfields, haves, chokes ...) is irrelevant while we lack the metadata.</summary>
    private void OnExtended(FetchPeer peer, byte id, ReadOnlySequence<byte> payload)
    {
        if (id == 0)
        {
            OnExtensionHandshake(peer, ExtensionHandshake.Parse(payload.ToArray()));
            return;
        }
        if (id != LocalMetadataId) return;
        if (!MetadataMessage.TryParse(payload, out var message, out var data)) return;
        MetadataAssembler<FetchPeer>? completed = null;
        lock (_sync)
        {
            switch (message.Type)
            {
                case MetadataMessageType.Request:
                    if (++peer.RequestsFromPeer > MaxRequestsFromPeer) throw new WireProtocolException("ut_metadata request flood");
                    if (peer.RemoteMetadataId != 0) peer.SendExtended(peer.RemoteMetadataId, MetadataMessage.EncodeReject(message.Piece));
                    break;
                case MetadataMessageType.Reject:
                    // It does not have the metadata (yet): let others serve, and try it again later.
                    _assembler?.Release(peer, message.Piece);
                    peer.Close("peer rejected a metadata request");
                    break;
                case MetadataMessageType.Data:
                    if (_assembler is null || peer.MetadataSize != _assembler.Size) break;
                    switch (_assembler.Accept(peer, message.Piece, message.TotalSize, data))
                    {
                        case MetadataAcceptOutcome.Invalid:
                            Ban(peer, $"sent {message} with {data.Length} bytes for metadata of {_assembler.Size} bytes");
                            break;
                        case MetadataAcceptOutcome.Completed:
                            completed = _assembler;
                            break;
                        case MetadataAcceptOutcome.Accepted:
                            Pump(peer);
                            break;
                    }
                    break;
            }
        }
        if (message.Type == MetadataMessageType.Data) ReportProgress();
        if (completed is not null) Verify(completed);
    }

    private void OnExtensionHandshake(FetchPeer peer, ExtensionHandshake handshake)
    {
        lock (_sync)
        {
            byte id = handshake.Extensions.GetValueOrDefault(MetadataMessage.ExtensionName);
            if (id == 0 || handshake.MetadataSize is not int size)
            {
                peer.Close("peer offers no metadata");
                return;
            }
            if (size > Options.MaxMetadataSize)
            {
                Ban(peer, $"metadata_size {size} exceeds the {Options.MaxMetadataSize}-byte limit");
                return;
            }
            peer.RemoteMetadataId = id;
            peer.MetadataSize = size;
            if (peer.IsIncoming && peer.ListenEntry is null && handshake.ListenPort is int port)
            {
                // Where it accepts connections: worth handing on to the download, not worth dialling while connected.
                var listen = _book.GetOrAdd(new IPEndPoint(peer.EndPoint.Address, port), PeerSource.Incoming);
                listen.Connected = true;
                peer.ListenEntry = listen;
            }
            _assembler ??= new MetadataAssembler<FetchPeer>(size);
            Pump(peer);
        }
        ReportProgress();
    }
}
