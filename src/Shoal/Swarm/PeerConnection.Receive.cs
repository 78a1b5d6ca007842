using System.Buffers;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

internal sealed partial class PeerConnection
{
    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        int maxLength = MessageReader.MaxMessageLength(_session.Info.PieceCount);
        while (true)
        {
            var result = await _reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            long blockBytes = 0;
            bool any = false;
            while (MessageReader.TryRead(ref buffer, maxLength, out var message))
            {
                any = true;
                blockBytes += Handle(in message);
            }
            _reader.AdvanceTo(buffer.Start, result.Buffer.End);
            if (any) LastReceived = _session.Time.GetTimestamp();
            // Refill requests once per batch of received blocks rather than once per block: fewer, larger writes.
            if (blockBytes > 0) _session.Refill(this);
            if (result.IsCompleted || result.IsCanceled) return;
            // The download limit works by not reading from the socket: TCP then slows the sender for us.
            if (blockBytes > 0) await _session.Engine.DownloadLimiter.WaitAsync((int)blockBytes, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Handles one message; returns the block bytes it carried (for rate limiting).</summary>
    private long Handle(in PeerMessage message)
    {
        switch (message.Id)
        {
            case MessageId.KeepAlive:
                return 0;
            case MessageId.Choke:
                _session.OnPeerChoked(this);
                return 0;
            case MessageId.Unchoke:
                _session.OnPeerUnchoked(this);
                return 0;
            case MessageId.Interested:
            case MessageId.NotInterested:
                _session.OnPeerInterest(this, message.Id == MessageId.Interested);
                return 0;
            case MessageId.Have:
                CheckPieceIndex(message.Index);
                _session.OnHave(this, message.Index);
                return 0;
            case MessageId.Bitfield:
                ReceiveBitfield(message.Payload);
                return 0;
            case MessageId.HaveAll:
            case MessageId.HaveNone:
                RequireFast(message.Id);
                ReceiveAvailability(message.Id == MessageId.HaveAll ? FullBitfield() : new Bitfield(_session.Info.PieceCount));
                return 0;
            case MessageId.Request:
                OnRequest(message.Index, message.Begin, message.Length);
                return 0;
            case MessageId.Cancel:
                CancelTheirRequest(message.Index, message.Begin, message.Length);
                return 0;
            case MessageId.Piece:
                LastBlockReceived = _session.Time.GetTimestamp();
                DownloadRate.Add(message.Length);
                _session.OnBlock(this, message.Index, message.Begin, message.Payload);
                return message.Length;
            case MessageId.RejectRequest:
                RequireFast(message.Id);
                _session.OnReject(this, message.Index, message.Begin);
                return 0;
            case MessageId.AllowedFast:
                RequireFast(message.Id);
                CheckPieceIndex(message.Index);
                if (AllowedFastForUs.Count < 64) AllowedFastForUs.Add(message.Index);
                return 0;
            case MessageId.SuggestPiece:
                RequireFast(message.Id);
                CheckPieceIndex(message.Index);
                _session.OnSuggest(this, message.Index);
                return 0;
            case MessageId.Port:
                return 0;
            case MessageId.Extended:
                OnExtended(message.ExtendedId, message.Payload);
                return 0;
            default:
                throw new WireProtocolException($"unexpected message {message.Id}");
        }
    }

    private void ReceiveBitfield(ReadOnlySequence<byte> payload)
    {
        int count = _session.Info.PieceCount;
        Span<byte> bytes = payload.Length <= 4096 ? stackalloc byte[(int)payload.Length] : new byte[payload.Length];
        payload.CopyTo(bytes);
        if (!Bitfield.TryFromWire(bytes, count, out var bitfield))
            throw new WireProtocolException($"bitfield of {payload.Length} bytes does not fit {count} pieces");
        ReceiveAvailability(bitfield!);
    }

    // BEP 3 wants the bitfield first, but aria2 sends have-none and later a full bitfield instead of haves:
    // a late bitfield simply replaces what we knew.
    private void ReceiveAvailability(Bitfield bitfield) => _session.OnBitfield(this, bitfield);

    /// <summary>Called by the session under its lock when the peer's whole availability is known.</summary>
    internal void SetHave(Bitfield bitfield) => Have = bitfield;

    private Bitfield FullBitfield()
    {
        var all = new Bitfield(_session.Info.PieceCount);
        all.SetAll();
        return all;
    }

    private void RequireFast(MessageId id)
    {
        if (!SupportsFast) throw new WireProtocolException($"{id} without the fast extension");
    }

    private void CheckPieceIndex(int index)
    {
        if ((uint)index >= (uint)_session.Info.PieceCount) throw new WireProtocolException($"piece index {index} out of range");
    }

    private void OnExtended(byte id, ReadOnlySequence<byte> payload)
    {
        if (id == 0)
        {
            var bytes = payload.ToArray();
            Extensions = ExtensionHandshake.Parse(bytes);
            _session.OnExtensionHandshake(this);
            return;
        }
        _session.Extensions.Dispatch(this, id, payload);
    }
}
