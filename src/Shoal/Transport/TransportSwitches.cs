using Shoal.Transport.Mse;

namespace Shoal.Transport;

/// <summary>
/// The transport settings that can change while the engine runs (the daemon's session-set `encryption` and
/// `utp-enabled`): read on every new connection, so a change applies to the next dial or accept; open connections stay.
/// </summary>
public sealed class TransportSwitches(EncryptionPolicy encryption, bool utpEnabled)
{
    private volatile EncryptionPolicy _encryption = encryption;
    private volatile bool _utpEnabled = utpEnabled;

    public EncryptionPolicy Encryption
    {
        get => _encryption;
        set => _encryption = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>uTP dials and accepts (when the engine has a uTP socket at all).</summary>
    public bool UtpEnabled
    {
        get => _utpEnabled;
        set => _utpEnabled = value;
    }
}

/// <summary>Dials with <paramref name="utp"/> (uTP, or uTP then TCP) while uTP is switched on, else with <paramref name="tcp"/>.</summary>
public sealed class SwitchedPeerDialer(TransportSwitches switches, IPeerDialer utp, IPeerDialer tcp) : IPeerDialer
{
    public Task<TransportConnection> DialAsync(System.Net.IPEndPoint endPoint, CancellationToken ct) =>
        (switches.UtpEnabled ? utp : tcp).DialAsync(endPoint, ct);
}
