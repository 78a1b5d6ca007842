using System.Net.Sockets;
using Shoal.Discovery;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Transport;

namespace Shoal.Client;

/// <summary>
/// The whole client in one object: a peer engine plus, per torrent, its storage and tracker announces, and the peer
/// sources beyond trackers (PEX, and LSD when enabled). This is what the command line, the demo and the end-to-end tests drive.
/// </summary>
public sealed partial class ShoalClient : IAsyncDisposable
{
    private readonly List<ManagedTorrent> _torrents = [];

    /// <summary>Cancelled when the client is disposed, ending metadata fetches still in flight.</summary>
    private readonly CancellationTokenSource _disposing = new();

    private ShoalClient(ClientOptions options, ClientEngine engine, LocalServiceDiscovery? lsd)
    {
        Options = options;
        Engine = engine;
        Lsd = lsd;
    }

    public ClientOptions Options { get; }

    public ClientEngine Engine { get; }

    public int ListenPort => Engine.ListenPort;

    /// <summary>Local service discovery, when <see cref="ClientOptions.EnableLsd"/> is set.</summary>
    public LocalServiceDiscovery? Lsd { get; }

    /// <summary>
    /// Starts the engine, and LSD if enabled. The listen port is bound here (TCP, and UDP on the same number when
    /// <see cref="ClientOptions.Datagrams"/> is set): when taken, the next <see cref="ClientOptions.PortSearchRange"/>
    /// ports are tried; if none is free a <see cref="SocketException"/> (AddressAlreadyInUse) is thrown.
    /// </summary>
    public static async Task<ShoalClient> StartAsync(ClientOptions options)
    {
        int port = options.Engine.ListenPort;
        for (int attempt = 0; ; attempt++)
        {
            IDatagramPort? datagrams = null;
            try
            {
                var settings = options.Engine with { ListenPort = port, EnablePeerExchange = options.EnablePex && options.Engine.EnablePeerExchange };
                if (options.Datagrams is not null)
                {
                    // UDP first: with port 0 the kernel picks its number, and TCP then takes the same one.
                    datagrams = options.Datagrams(settings);
                    settings = settings with { ListenPort = datagrams.LocalEndPoint.Port };
                }
                settings = WithDhtPort(options, settings, datagrams);
                var transports = (options.Transports ?? ClientTransports.Default)(options.TransportSetupFor(settings, datagrams));
                var engine = ClientEngine.Start(settings, transports, options.Time, options.Loggers);
                var lsd = await StartLsdAsync(options, engine).ConfigureAwait(false);
                var client = new ShoalClient(options with { Engine = settings }, engine, lsd) { Datagrams = datagrams };
                client.StartDht();
                return client;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < Math.Max(options.PortSearchRange, RandomPortRetries) &&
                                             (port == 0 ? datagrams is not null : attempt < options.PortSearchRange && port < ushort.MaxValue))
            {
                await DisposeDatagramsAsync(datagrams).ConfigureAwait(false);
                // A fixed port moves on to the next; a random UDP port whose TCP twin is taken tries another random one.
                if (port != 0) port++;
            }
            catch
            {
                await DisposeDatagramsAsync(datagrams).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>How often a random port is drawn again when UDP got it but TCP's twin was taken.</summary>
    private const int RandomPortRetries = 8;

    /// <summary>The UDP port shared by the DHT and uTP, when <see cref="ClientOptions.Datagrams"/> opened one.</summary>
    public IDatagramPort? Datagrams { get; private init; }

    private static async ValueTask DisposeDatagramsAsync(IDatagramPort? datagrams)
    {
        if (datagrams is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        else (datagrams as IDisposable)?.Dispose();
    }

    private static async Task<LocalServiceDiscovery?> StartLsdAsync(ClientOptions options, ClientEngine engine)
    {
        if (!options.EnableLsd) return null;
        try
        {
            var lsdOptions = options.Lsd.InterfaceAddress is null ? options.Lsd with { InterfaceAddress = options.Engine.ListenAddress } : options.Lsd;
            return LocalServiceDiscovery.Start(engine.ListenPort, lsdOptions, options.Time);
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens (and rechecks) the torrent's data under <paramref name="downloadDirectory"/> and starts sharing it:
    /// downloading what is missing, seeding what is there, announcing to its trackers.
    /// </summary>
    public async Task<ManagedTorrent> AddAsync(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> trackers, string downloadDirectory,
        IProgress<RecheckProgress>? recheck = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!info.HasAllPieceHashes)
        {
            return AddFetchingLayers(info, trackers, downloadDirectory, Options.Storage, recheck);
        }
        var storage = await FileStorage.OpenAsync(info, downloadDirectory, Options.Storage, recheck, ct).ConfigureAwait(false);
        return Add(info, trackers, storage);
    }

    /// <summary>
    /// A v2-only .torrent without its piece layers: they come from peers first, then the storage is opened and rechecked
    /// (as for a magnet link), so data already on disk is verified against them.
    /// </summary>
    private ManagedTorrent AddFetchingLayers(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> trackers, string downloadDirectory, StorageOptions storage,
        IProgress<RecheckProgress>? recheck)
    {
        var session = Engine.AddTorrentFetchingLayers(info);
        return Track(new ManagedTorrent(this, session, trackers, displayName: null,
            async (i, token) => await FileStorage.OpenAsync(i, downloadDirectory, storage, recheck, token).ConfigureAwait(false)), lsd: !info.IsPrivate);
    }

    /// <summary>Shares a torrent over storage the caller opened (e.g. in memory); the torrent disposes it when stopped.</summary>
    public ManagedTorrent Add(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> trackers, IPieceStorage storage)
    {
        ArgumentNullException.ThrowIfNull(info);
        var session = Engine.AddTorrent(info, storage);
        // BEP 27: a private torrent's peers come only from its trackers.
        return Track(new ManagedTorrent(this, session, trackers, displayName: null, open: null), lsd: !info.IsPrivate);
    }

    private ManagedTorrent Track(ManagedTorrent managed, bool lsd)
    {
        var session = managed.Session;
        // A hybrid is announced on the LAN under both hashes too (BEP 14 names any 20-byte info-hash).
        if (Lsd is not null && lsd)
            managed.LocalDiscovery = new Disposables([.. session.SwarmHashes.Select(swarm =>
                Lsd.Register(swarm, peer => session.AddPeers([peer], PeerSource.LocalDiscovery, swarm: swarm)))]);
        managed.StartDht(isPrivate: !lsd);
        lock (_torrents) _torrents.Add(managed);
        managed.Start();
        return managed;
    }

    /// <summary>The torrents being shared.</summary>
    public IReadOnlyList<ManagedTorrent> Torrents
    {
        get { lock (_torrents) return [.. _torrents]; }
    }

    internal void Forget(ManagedTorrent torrent)
    {
        lock (_torrents) _torrents.Remove(torrent);
    }

    /// <summary>Stops every torrent (announcing 'stopped'), flushes and closes storage, stops LSD, closes the listener.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        ManagedTorrent[] torrents;
        lock (_torrents) torrents = [.. _torrents];
        await Task.WhenAll(torrents.Select(t => t.StopAsync().AsTask())).ConfigureAwait(false);
        if (Lsd is not null) await Lsd.DisposeAsync().ConfigureAwait(false);
        await StopDhtAsync().ConfigureAwait(false);
        await Engine.DisposeAsync().ConfigureAwait(false);
        await DisposeDatagramsAsync(Datagrams).ConfigureAwait(false);
    }
}
