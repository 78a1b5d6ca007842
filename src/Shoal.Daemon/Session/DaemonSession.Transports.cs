using Shoal.Transport;
using Shoal.Transport.Mse;

namespace Shoal.Daemon.Session;

/// <summary>Encryption and uTP: the command line's choice until a remote sets them (then stored and applied at each start).</summary>
public sealed partial class DaemonSession
{
    public TransportSwitches Transports => _engine.Transports;

    /// <summary>Applies the stored `encryption` and `utp-enabled` to new connections (uTP only if the engine has a UDP port).</summary>
    private void ApplyTransportSettings(SessionSettings settings)
    {
        if (EncryptionPolicyRules.TryParse(settings.Encryption, out var policy)) _engine.Transports.Encryption = policy;
        if (settings.UtpEnabled is bool utp) _engine.Transports.UtpEnabled = utp && _engine.UtpAvailable;
    }
}
