using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Swarm;
using Shoal.Transport;
using Shoal.Transport.Mse;
using Shoal.Transport.Utp;

namespace Shoal.Client;

/// <summary>What a client's transports are built from: the engine settings and the shared UDP port, if one is open.</summary>
public sealed record TransportSetup(EngineSettings Settings, IDatagramPort? Datagrams)
{
    public EncryptionPolicy Encryption { get; init; } = EncryptionPolicy.Prefer;

    public PeerTransportMode Mode { get; init; } = PeerTransportMode.Both;

    public ILoggerFactory? Loggers { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Switches the caller keeps to change encryption and uTP at run time; null: fixed from <see cref="Encryption"/> and <see cref="Mode"/>.</summary>
    public TransportSwitches? Switches { get; init; }
}

/// <summary>
/// Where the client's transports are put together: a TCP listener and dialer, a uTP listener and dialer on the shared
/// UDP port (uTP dialled first, TCP the fallback), and MSE/PE as the upgrade stage. The swarm sees none of this.
/// </summary>
public static class ClientTransports
{
    /// <summary>The transports <paramref name="setup"/> asks for: listeners TCP first (its port is the one announced; uTP's has the same number).</summary>
    public static PeerTransports Default(TransportSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var settings = setup.Settings;
        var mode = setup.Mode;
        if (setup.Datagrams is null)
        {
            if (mode == PeerTransportMode.Utp) throw new InvalidOperationException("uTP needs the UDP port (ClientOptions.Datagrams)");
            mode = PeerTransportMode.Tcp;
        }
        var switches = setup.Switches ?? new TransportSwitches(setup.Encryption, mode.UsesUtp());
        var listeners = new List<IPeerListener>(2);
        if (mode.UsesTcp()) listeners.Add(TcpPeerListener.Bind(settings.ListenAddress, settings.ListenPort));
        IPeerDialer dialer = TcpPeerDialer.Instance;
        // With switches kept by the caller, uTP is set up even while off, so that it can be switched on later.
        if (setup.Datagrams is not null && (mode.UsesUtp() || setup.Switches is not null))
        {
            var manager = new UtpSocketManager(setup.Datagrams, UtpOptions.Default with { TimeProvider = setup.Time });
            listeners.Add(new UtpPeerListener(manager, () => switches.UtpEnabled));
            var utp = new UtpPeerDialer(manager, UtpPeerDialer.DefaultConnectTimeout);
            var whenUtp = mode == PeerTransportMode.Utp ? (IPeerDialer)utp : new FallbackPeerDialer(utp, TcpPeerDialer.Instance, FallbackPeerDialer.DefaultHeadStart, setup.Time);
            dialer = new SwitchedPeerDialer(switches, whenUtp, TcpPeerDialer.Instance);
        }
        var upgrade = new MseConnectionUpgrade(switches, dialer, setup.Loggers?.CreateLogger("Shoal.Encryption"), MseOptions.Default with { TimeProvider = setup.Time });
        return new PeerTransports(dialer, listeners, upgrade);
    }

    /// <summary>A real UDP socket on the settings' address and port (the DHT and uTP share it).</summary>
    public static IDatagramPort Udp(EngineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return UdpDatagramPort.Bind(new IPEndPoint(settings.ListenAddress, settings.ListenPort));
    }
}
