using Shoal.Swarm;
using Shoal.Transport;
using Shoal.Transport.Mse;

namespace Shoal.Client;

/// <summary>How peers are reached: encryption (MSE/PE) and transports (TCP, uTP).</summary>
public sealed partial record ClientOptions
{
    /// <summary>
    /// MSE/PE policy (<c>--encryption</c>). Default <see cref="EncryptionPolicy.Prefer"/>, as libtorrent and
    /// Transmission: peers that require encryption are reached, peers that refuse it cost one quick extra dial.
    /// </summary>
    public EncryptionPolicy Encryption { get; init; } = EncryptionPolicy.Prefer;

    /// <summary>
    /// Which transports accept and dial (<c>--transport</c>). uTP needs the UDP port (<see cref="Datagrams"/>); without
    /// one, <see cref="PeerTransportMode.Both"/> means TCP alone.
    /// </summary>
    public PeerTransportMode TransportMode { get; init; } = PeerTransportMode.Both;

    /// <summary>
    /// Switches the caller keeps to change encryption and uTP while the client runs (the daemon's session-set); they
    /// override <see cref="Encryption"/>, and uTP is then set up whenever the UDP port is open. Null: fixed settings.
    /// </summary>
    public TransportSwitches? Switches { get; init; }

    /// <summary>What <see cref="Transports"/> is given for these options.</summary>
    internal TransportSetup TransportSetupFor(EngineSettings settings, IDatagramPort? datagrams) =>
        new(settings, datagrams) { Encryption = Encryption, Mode = TransportMode, Loggers = Loggers, Time = Time, Switches = Switches };
}
