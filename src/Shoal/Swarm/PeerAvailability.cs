using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// The pieces a peer has. Before the piece count is known (a magnet link whose metadata has not arrived) what the peer
/// said is kept as it came, bounded by the largest torrent we accept, and checked once the count is known.
/// Used under the session lock.
/// </summary>
internal sealed class PeerAvailability
{
    /// <summary>The most pieces a torrent can have whose metadata we would accept (20 bytes of hash each).</summary>
    public const int MaxPieces = MetadataMessage.MaxMetadataSize / 20;

    private Bitfield? _bits;
    private Said _said; // receive loop only
    private byte[]? _pending;   // bitfield bytes, or the haves so far as bits
    private bool _pendingAll;

    private enum Said : byte { Nothing, HaveNoneOnly, Everything }

    /// <summary>
    /// What a peer has is said once, first (BEP 3, BEP 6): a bitfield, have-all or have-none after anything else that
    /// states it, or after a have, breaks the protocol; so a whole-torrent recount happens once per connection. The one
    /// exception is aria2's: have-none first, then bitfields instead of haves as it checks its files and downloads (each
    /// costs a recount proportional to its own length, no more than the haves it replaces). Called by the receive loop.
    /// </summary>
    public void CheckOrder(MessageId id)
    {
        _said = (id, _said) switch
        {
            (MessageId.Have, Said.Nothing) => Said.Everything,
            (MessageId.Have, var said) => said,
            (MessageId.Bitfield, Said.Nothing) => Said.Everything,
            (MessageId.Bitfield, Said.HaveNoneOnly) => Said.HaveNoneOnly,
            (MessageId.HaveNone, Said.Nothing) => Said.HaveNoneOnly,
            (MessageId.HaveAll, Said.Nothing) => Said.Everything,
            _ => throw new WireProtocolException($"{id} after the peer already said what it has"),
        };
    }

    /// <summary>Null until the piece count is known.</summary>
    public Bitfield? Bits => _bits;

    public bool IsSeed => _bits?.IsComplete == true;

    /// <summary>The torrent's piece count became known: turns what the peer said into a bitfield; throws if it does not fit.</summary>
    public void SetPieceCount(int count)
    {
        if (_bits is not null) return;
        var bits = new Bitfield(count);
        if (_pendingAll) bits.SetAll();
        else if (_pending is not null)
        {
            int length = Bitfield.WireLengthFor(count);
            var bytes = _pending.AsSpan();
            // Haves beyond the count, or a bitfield of another length, cannot belong to this torrent.
            if (bytes.Length > length && bytes[length..].ContainsAnyExcept((byte)0)) throw new WireProtocolException("availability names pieces beyond the torrent");
            var wire = new byte[length];
            bytes[..Math.Min(length, bytes.Length)].CopyTo(wire);
            if (!Bitfield.TryFromWire(wire, count, out var parsed)) throw new WireProtocolException("availability names pieces beyond the torrent");
            bits = parsed!;
        }
        _bits = bits;
        _pending = null;
    }

    /// <summary>A bitfield (or have-all / have-none) replaces what we knew (aria2 sends have-none, then a full bitfield).</summary>
    public void Replace(Bitfield bitfield) => _bits = bitfield;

    /// <summary>A bitfield before the piece count is known.</summary>
    public void ReplacePending(ReadOnlySpan<byte> wire)
    {
        _pendingAll = false;
        _pending = wire.ToArray();
    }

    public void ReplacePendingAll(bool all)
    {
        _pendingAll = all;
        _pending = null;
    }

    /// <summary>A have before the piece count is known (index already bounded by <see cref="MaxPieces"/>).</summary>
    public void AddPendingHave(int piece)
    {
        if (_pendingAll) return;
        int needed = piece / 8 + 1;
        if (_pending is null || _pending.Length < needed) Array.Resize(ref _pending, Math.Max(needed, (_pending?.Length ?? 0) * 2));
        _pending[piece / 8] |= (byte)(0x80 >> (piece % 8));
    }
}
