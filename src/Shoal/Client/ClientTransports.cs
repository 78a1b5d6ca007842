using Shoal.Swarm;
using Shoal.Transport;

namespace Shoal.Client;

/// <summary>
/// Where the client's transports are put together: today a TCP listener and dialer with no encryption. uTP (a second
/// listener and a dialer combined with TCP's) and MSE/PE (an <see cref="IConnectionUpgrade"/>) are added here, and the
/// swarm does not change.
/// </summary>
public static class ClientTransports
{
    /// <summary>TCP on the settings' address and port, plaintext.</summary>
    public static PeerTransports Default(EngineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return PeerTransports.Tcp(settings.ListenAddress, settings.ListenPort);
    }
}
