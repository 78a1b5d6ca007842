using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Discovery;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Trackers;
using Shoal.Transport;

namespace Shoal.Client;

/// <summary>Everything a <see cref="ShoalClient"/> needs besides the torrents themselves.</summary>
public sealed partial record ClientOptions
{
    public EngineSettings Engine { get; init; } = new();

    public TrackerClientOptions Trackers { get; init; } = TrackerClientOptions.Default;

    public StorageOptions Storage { get; init; } = StorageOptions.Default;

    /// <summary>The address announced to trackers instead of the one they see (<c>--announce-ip</c>); null = let the tracker decide.</summary>
    public IPAddress? AnnounceAddress { get; init; }

    /// <summary>Peers asked for per announce.</summary>
    public int NumWant { get; init; } = 50;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the engine and the trackers log (connections, bans, tracker errors); null = nowhere.</summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>
    /// When the listen port is taken, try this many following ports before giving up (for a default port;
    /// a port the user asked for explicitly should fail instead, so leave this 0 then).
    /// </summary>
    public int PortSearchRange { get; init; }

    /// <summary>Peer exchange (BEP 11) with peers that speak it; never used for private torrents (sets <see cref="EngineSettings.EnablePeerExchange"/>).</summary>
    public bool EnablePex { get; init; } = true;

    /// <summary>
    /// Local service discovery (BEP 14): multicast announces on the local network. Off unless asked for — it sends
    /// beyond this machine. It uses the interface of <see cref="EngineSettings.ListenAddress"/> when that is a specific
    /// address (or <see cref="LsdOptions.InterfaceAddress"/> when set), else every non-loopback multicast interface.
    /// Never used for private torrents.
    /// </summary>
    public bool EnableLsd { get; init; }

    public LsdOptions Lsd { get; init; } = LsdOptions.Default;

    /// <summary>
    /// Binds what peers are reached with for the given engine settings (address and port): the composition root of the
    /// transports. Null: TCP on <see cref="EngineSettings.ListenAddress"/>:<see cref="EngineSettings.ListenPort"/>, plaintext
    /// (see <see cref="ClientTransports.Default"/>). A port that is taken must surface as a <see cref="System.Net.Sockets.SocketException"/>.
    /// </summary>
    public Func<TransportSetup, PeerTransports>? Transports { get; init; }

    /// <summary>
    /// Opens the UDP port shared by the DHT and uTP, on the same port number as the TCP listener. Null: no UDP port
    /// (neither DHT nor uTP runs). See <see cref="ClientTransports.Udp"/>; tests pass an in-memory port. A port that is
    /// taken must surface as a <see cref="System.Net.Sockets.SocketException"/>, like the listener's.
    /// </summary>
    public Func<EngineSettings, IDatagramPort>? Datagrams { get; init; }
}
