using Microsoft.Extensions.Logging;
using Shoal.Transport;
using Shoal.Transport.Mse;

namespace Shoal.Daemon.Session;

/// <summary>Encryption, uTP and the DHT: the command line's choice until a remote sets them (then stored and applied at each start).</summary>
public sealed partial class DaemonSession
{
    public TransportSwitches Transports => _engine.Transports;

    /// <summary>Applies the stored `encryption` and `utp-enabled` to new connections (uTP only if the engine has a UDP port).</summary>
    private void ApplyTransportSettings(SessionSettings settings)
    {
        if (EncryptionPolicyRules.TryParse(settings.Encryption, out var policy)) _engine.Transports.Encryption = policy;
        if (settings.UtpEnabled is bool utp) _engine.Transports.UtpEnabled = utp && _engine.UtpAvailable;
    }

    /// <summary>At open: the stored `dht-enabled` wins over the command line (the daemon applies it before the engine starts too).</summary>
    private void ApplyStoredDht(SessionSettings settings)
    {
        if (settings.DhtEnabled is bool dht && dht != DhtRunning) RunInBackground(() => _engine.SetDhtEnabledAsync(dht), dht ? "starting the DHT" : "stopping the DHT");
    }

    public bool DhtRunning => _engine.DhtRunning;

    public int? DhtNodes => _engine.DhtNodes;

    public async Task SetDhtEnabledAsync(bool enabled)
    {
        SessionSettings next;
        lock (_sync) next = _settings = _settings with { DhtEnabled = enabled };
        _store.SetValue("settings", next);
        bool running = await _engine.SetDhtEnabledAsync(enabled).ConfigureAwait(false);
        _log.LogInformation(running ? "DHT on" : enabled ? "DHT not available: no UDP port" : "DHT off");
    }
}
