using System.Net;
using Shoal.Swarm;
using Shoal.Transport;

namespace Shoal.Client;

/// <summary>What a client's transports are built from: the engine settings and the shared UDP port, if one is open.</summary>
public sealed record TransportSetup(EngineSettings Settings, IDatagramPort? Datagrams);

/// <summary>
/// Where the client's transports are put together: today a TCP listener and dialer with no encryption. uTP (a second
/// listener and a dialer combined with TCP's) and MSE/PE (an <see cref="IConnectionUpgrade"/>) are added here, and the
/// swarm does not change.
/// </summary>
public static class ClientTransports
{
    /// <summary>TCP on the settings' address and port, plaintext.</summary>
    public static PeerTransports Default(TransportSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return PeerTransports.Tcp(setup.Settings.ListenAddress, setup.Settings.ListenPort);
    }

    /// <summary>A real UDP socket on the settings' address and port (the DHT and uTP share it).</summary>
    public static IDatagramPort Udp(EngineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return UdpDatagramPort.Bind(new IPEndPoint(settings.ListenAddress, settings.ListenPort));
    }
}
