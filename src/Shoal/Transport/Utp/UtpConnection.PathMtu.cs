namespace Shoal.Transport.Utp;

/// <summary>Path-MTU discovery's part of the send path: when to probe, how a probe is built, where the ceiling comes from.</summary>
internal sealed partial class UtpConnection
{
    /// <summary>
    /// Sends a full data packet as a path-MTU probe: the same header and payload with padding extensions between them
    /// (peers skip extension types they do not know), <see cref="PathMtuSearch.ProbeSize"/> bytes in all. The packet
    /// kept for resending is the unpadded one.
    /// </summary>
    private void EmitProbe(ushort seq, ReadOnlySpan<byte> packet)
    {
        int size = _mtu.ProbeSize;
        int padding = size - packet.Length;
        var slot = _manager.ReserveEmit();
        if (padding < 2 || size > slot.Length)
        {
            _manager.CommitEmit(CopyTo(packet, slot), Remote);
            return;
        }
        packet[..UtpHeader.Size].CopyTo(slot);
        slot[1] = PaddingExtension;
        int at = UtpHeader.Size;
        while (padding > 0)
        {
            // Each link is 2 bytes of chain plus up to 255 of padding; never leave a remainder too small for a link.
            int link = Math.Min(padding, 2 + 255);
            if (padding - link is 1) link--;
            padding -= link;
            slot[at] = padding > 0 ? PaddingExtension : (byte)0;
            slot[at + 1] = (byte)(link - 2);
            slot.Slice(at + 2, link - 2).Clear();
            at += link;
        }
        packet[UtpHeader.Size..].CopyTo(slot[at..]);
        _manager.CommitEmit(size, Remote);
        _mtu.ProbeSent(seq, size);
    }

    private bool ProbeDue(long now)
    {
        if (!_mtu.ShouldProbe(_clock.MicrosOf(now), _congestion.Window)) return false;
        if (!_routeMtuChecked)
        {
            // Once per connection, when the search first has a use for it: the route's MTU replaces the guess.
            _routeMtuChecked = true;
            if (RouteCeiling() is int ceiling) _mtu.SetMaxCeiling(ceiling);
            if (!_mtu.ShouldProbe(_clock.MicrosOf(now), _congestion.Window)) return false;
        }
        return true;
    }

    /// <summary>The largest datagram the kernel's route to the peer carries unfragmented now (null: unknown).</summary>
    private int? RouteCeiling()
    {
        if (_options.RouteMtuLookup(Remote) is not int mtu) return null;
        return Math.Min(RouteMtu.UdpPayload(mtu, Remote), MaxCeiling(_options, Remote));
    }

    /// <summary>
    /// The most any probe may be: <see cref="UtpOptions.MaxPacketSize"/>, by default what a 1,500-byte MTU carries.
    /// Not more by default even where the route allows it (loopback, jumbo frames): libtorrent receives uTP into a
    /// 1,500-byte buffer and takes a longer datagram cut short, which corrupts the stream instead of losing the probe.
    /// </summary>
    private static int MaxCeiling(UtpOptions options, System.Net.IPEndPoint remote) =>
        Math.Min(options.MaxPacketSize ?? RouteMtu.UdpPayload(1500, remote), DatagramBatch.SlotSize);

    private static int CopyTo(ReadOnlySpan<byte> packet, Span<byte> slot)
    {
        packet.CopyTo(slot);
        return packet.Length;
    }

    /// <summary>
    /// The extension type of a probe's padding: one no implementation assigns (BEP 29 has 1, selective ACK; libutp 2,
    /// extension bits; libtorrent 3, close reason). libtorrent, libutp and Shoal skip unknown extensions.
    /// </summary>
    internal const byte PaddingExtension = 0x7f;

    /// <summary>The kernel refused a datagram we sent to the peer as larger than the route allows (EMSGSIZE).</summary>
    internal void OnDatagramTooBig(int size) => _mtu.TooBig(size);
}
