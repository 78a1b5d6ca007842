using System.Net;

namespace Shoal.Transport.Utp;

/// <summary>Settings of a <see cref="UtpSocketManager"/> and its connections.</summary>
public sealed record UtpOptions
{
    public static UtpOptions Default { get; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The largest datagram sent, header included. uTP cannot repacketise a lost packet, so a fixed safe size is used
    /// rather than path-MTU discovery: 1,400 bytes fit a 1,500-byte Ethernet MTU under IPv6 and leave room for PPPoE
    /// and most tunnels, so packets are never fragmented on ordinary paths.
    /// </summary>
    public int PacketSize { get; init; } = 1400;

    /// <summary>
    /// Path-MTU discovery (<see cref="PathMtuSearch"/>): <see cref="PacketSize"/> is where each connection starts, and
    /// padded probes find how much larger the path carries, up to <see cref="MaxPacketSize"/>. Off by default: the
    /// socket does not yet set the don't-fragment bit itself, so on a path whose MTU the kernel learned from ICMP a probe
    /// may be fragmented locally and pass.
    /// </summary>
    public bool PathMtuDiscovery { get; init; }

    /// <summary>
    /// The largest datagram discovery tries, header included. Null: what a 1,500-byte MTU carries (1,472 bytes over
    /// IPv4, 1,452 over IPv6): libtorrent reads uTP into 1,500-byte buffers and takes longer datagrams cut short.
    /// Lowered further to the route's MTU where the kernel knows it without a packet sent (IP_MTU); never more than a
    /// pooled datagram slot (2,048 bytes).
    /// </summary>
    public int? MaxPacketSize { get; init; }

    /// <summary>Bytes received and not yet read (in order or not) that a connection holds: its advertised window.</summary>
    public int ReceiveBufferBytes { get; init; } = 1 << 20;

    /// <summary>Bytes written and not yet sent that a connection holds before writes wait.</summary>
    public int SendBufferBytes { get; init; } = 1 << 20;

    /// <summary>LEDBAT's target queueing delay (BEP 29: 100 ms).</summary>
    public TimeSpan TargetDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Open connections, both ways, per manager; SYNs beyond it are ignored.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Incoming connections not yet taken by <see cref="UtpSocketManager.AcceptAsync"/>; SYNs beyond it are ignored.</summary>
    public int AcceptBacklog { get; init; } = 64;

    /// <summary>How often timers (retransmission, tail-loss probe, connect, linger) are checked: a probe is due 10 ms (two
    /// round trips) after the last ACK, and each tick it waits for costs a small window that much of the link.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Transmissions of one packet (first send included) before the connection is given up as dead.</summary>
    public int MaxTransmissions { get; init; } = 6;

    /// <summary>SYN transmissions before a connect attempt fails (1 s, 2 s, 4 s … apart).</summary>
    public int SynTransmissions { get; init; } = 4;

    /// <summary>How long a closed connection stays to acknowledge the peer's retransmitted FIN.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The route MTU to an address, if known without sending anything (tests replace the kernel's).</summary>
    internal Func<IPEndPoint, int?> RouteMtuLookup { get; init; } = RouteMtu.Query;

    /// <summary>Tests only: seeds connection ids and initial sequence numbers so runs repeat.</summary>
    internal Random? Random { get; init; }
}
