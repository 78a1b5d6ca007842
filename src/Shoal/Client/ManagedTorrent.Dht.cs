namespace Shoal.Client;

public sealed partial class ManagedTorrent
{
    private IDisposable? _dht;
    private bool _dhtBarred;

    /// <summary>Whether the torrent is being announced on the DHT now.</summary>
    public bool IsOnDht
    {
        get { lock (_sync) return _dht is not null; }
    }

    /// <summary>Announces the torrent on the client's DHT, if one runs; a private torrent (BEP 27) never is, nor after a stop.</summary>
    internal void StartDht(bool isPrivate)
    {
        lock (_sync)
        {
            if (isPrivate) _dhtBarred = true;
            if (_dhtBarred || _dht is not null || _stopTask is not null) return;
            _dht = _client.AnnounceOnDht(this, isPrivate: false);
        }
    }

    /// <summary>Stops announcing on the DHT: for a pause, or <paramref name="forever"/> at stop and once the metadata says private.</summary>
    internal void StopDht(bool forever = false)
    {
        IDisposable? dht;
        lock (_sync)
        {
            if (forever) _dhtBarred = true;
            dht = _dht;
            _dht = null;
        }
        dht?.Dispose();
    }
}
