using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
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

    /// <summary>One connection of the fetch. Fields other than the channel and token are used under the fetcher's lock.</summary>
    private sealed class FetchPeer(PeerBook.Entry entry, long startedAt)
    {
        private readonly CancellationTokenSource _closing = new();

        public PeerBook.Entry Entry { get; } = entry;

        public IPEndPoint EndPoint => Entry.EndPoint;

        public long StartedAt { get; } = startedAt;

        public Channel<byte[]> Outbox { get; } = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

        public CancellationToken Closing => _closing.Token;

        public bool IsConnected { get; set; }

        /// <summary>The id the peer wants ut_metadata messages under; 0 until its extension handshake says.</summary>
        public byte RemoteMetadataId { get; set; }

        public int? MetadataSize { get; set; }

        public int RequestsFromPeer { get; set; }

        public string? CloseReason { get; private set; }

        public bool IsClosed => _closing.IsCancellationRequested;

        public void SendExtended(byte id, byte[] payload)
        {
            var message = new byte[6 + payload.Length];
            MessageWriter.WriteExtended(message, id, payload);
            Outbox.Writer.TryWrite(message);
        }

        public void Close(string reason)
        {
            CloseReason ??= reason;
            if (_closing.IsCancellationRequested) return;
            _closing.Cancel();
            Outbox.Writer.TryComplete();
        }
    }

    private async Task RunPeerAsync(FetchPeer peer)
    {
        Stream? stream = null;
        Task? sending = null;
        try
        {
            stream = await ConnectAsync(peer).ConfigureAwait(false);
            if (stream is null) return;
            sending = SendLoopAsync(peer, stream);
            await ReceiveLoopAsync(peer, stream).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            lock (_sync)
            {
                // A peer that breaks the protocol while we fetch is not trusted again for this torrent's metadata.
                if (ex is WireProtocolException && peer.IsConnected) Ban(peer, ex.Message);
                else peer.Close(ex.Message);
            }
        }
        finally
        {
            lock (_sync) peer.Close(peer.CloseReason ?? "connection closed");
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            if (sending is not null) await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_sync)
            {
                _peers.Remove(peer);
                _assembler?.Forget(peer);
                if (!peer.IsConnected) _book.MarkFailed(peer.Entry);
                else if (!peer.Entry.Banned) _book.MarkDisconnected(peer.Entry, retrySoon: false);
                PumpAll();
            }
            ConnectMore();
        }
    }

    /// <summary>TCP connect and the BitTorrent handshake, within the engine's timeouts; null if this is ourselves or useless.</summary>
    private async Task<Stream?> ConnectAsync(FetchPeer peer)
    {
        var socket = new Socket(peer.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(peer.Closing, _stopping.Token);
            timeout.CancelAfter(Settings.ConnectTimeout);
            await socket.ConnectAsync(peer.EndPoint, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            timeout.CancelAfter(Settings.HandshakeTimeout);
            var handshake = await HandshakeExchange.InitiateAsync(stream, InfoHash, _peerId, timeout.Token).ConfigureAwait(false);
            lock (_sync)
            {
                if (handshake.PeerId.Span.SequenceEqual(_peerId.Span))
                {
                    peer.Entry.IsSelf = true;
                    peer.Close("connected to ourselves");
                }
                else if (!handshake.Reserved.SupportsExtensionProtocol)
                {
                    peer.IsConnected = true; // it answered: retry it only on the slow schedule
                    peer.Close("peer does not speak the extension protocol");
                }
                else
                {
                    peer.IsConnected = true;
                    _book.MarkConnected(peer.Entry);
                }
            }
            if (peer.IsClosed)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                return null;
            }
            if (handshake.Reserved.SupportsFastExtension)
            {
                // BEP 6: with the fast extension on both sides, availability comes first; we have nothing.
                var haveNone = new byte[MessageWriter.SimpleLength];
                MessageWriter.WriteSimple(haveNone, MessageId.HaveNone);
                peer.Outbox.Writer.TryWrite(haveNone);
            }
            var ours = new ExtensionHandshake { ListenPort = _listenPort > 0 ? _listenPort : null, ClientName = Settings.ClientName };
            ours.Extensions[MetadataMessage.ExtensionName] = LocalMetadataId;
            peer.SendExtended(0, ours.Encode());
            return stream;
        }
        catch
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            else socket.Dispose();
            throw;
        }
    }

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
            _assembler ??= new MetadataAssembler<FetchPeer>(size);
            Pump(peer);
        }
        ReportProgress();
    }
}
