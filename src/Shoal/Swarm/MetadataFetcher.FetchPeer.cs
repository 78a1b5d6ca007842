using System.Net;
using System.Threading.Channels;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class MetadataFetcher
{
    /// <summary>One connection of the fetch. Fields other than the channel and token are used under the fetcher's lock.</summary>
    private sealed class FetchPeer(PeerBook.Entry entry, long startedAt, bool incoming)
    {
        private readonly CancellationTokenSource _closing = new();

        /// <summary>The address dialled, or for an incoming peer its remote address (not kept in the book).</summary>
        public PeerBook.Entry Entry { get; } = entry;

        public bool IsIncoming { get; } = incoming;

        /// <summary>An incoming peer's listen address (from its extension handshake), kept in the book as connected.</summary>
        public PeerBook.Entry? ListenEntry { get; set; }

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
}
