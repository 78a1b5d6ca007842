using System.Net.Sockets;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Client;

/// <summary>
/// The whole client in one object: a peer engine plus, per torrent, its storage and tracker announces.
/// This is what the command line, the demo and the end-to-end tests drive.
/// </summary>
public sealed class ShoalClient : IAsyncDisposable
{
    private readonly List<ManagedTorrent> _torrents = [];

    private ShoalClient(ClientOptions options, ClientEngine engine)
    {
        Options = options;
        Engine = engine;
    }

    public ClientOptions Options { get; }

    public ClientEngine Engine { get; }

    public int ListenPort => Engine.ListenPort;

    /// <summary>
    /// Starts the engine. The listen port is bound here: when taken, the next <see cref="ClientOptions.PortSearchRange"/>
    /// ports are tried; if none is free a <see cref="SocketException"/> (AddressAlreadyInUse) is thrown.
    /// </summary>
    public static async Task<ShoalClient> StartAsync(ClientOptions options)
    {
        int port = options.Engine.ListenPort;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var settings = options.Engine with { ListenPort = port };
                var engine = await ClientEngine.StartAsync(settings, options.Time, options.Loggers).ConfigureAwait(false);
                return new ShoalClient(options with { Engine = settings }, engine);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && port != 0 &&
                                             attempt < options.PortSearchRange && port < ushort.MaxValue)
            {
                port++;
            }
        }
    }

    /// <summary>
    /// Opens (and rechecks) the torrent's data under <paramref name="downloadDirectory"/> and starts sharing it:
    /// downloading what is missing, seeding what is there, announcing to its trackers.
    /// </summary>
    public async Task<ManagedTorrent> AddAsync(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> trackers, string downloadDirectory,
        IProgress<RecheckProgress>? recheck = null, CancellationToken ct = default)
    {
        var storage = await FileStorage.OpenAsync(info, downloadDirectory, Options.Storage, recheck, ct).ConfigureAwait(false);
        return Add(info, trackers, storage);
    }

    /// <summary>Shares a torrent over storage the caller opened (e.g. in memory).</summary>
    public ManagedTorrent Add(TorrentInfo info, IReadOnlyList<IReadOnlyList<string>> trackers, IPieceStorage storage)
    {
        var session = Engine.AddTorrent(info, storage);
        var managed = new ManagedTorrent(this, session, storage, trackers);
        lock (_torrents) _torrents.Add(managed);
        managed.Start();
        return managed;
    }

    internal void Forget(ManagedTorrent torrent)
    {
        lock (_torrents) _torrents.Remove(torrent);
    }

    /// <summary>Stops every torrent (announcing 'stopped'), flushes and closes storage, closes the listener.</summary>
    public async ValueTask DisposeAsync()
    {
        ManagedTorrent[] torrents;
        lock (_torrents) torrents = [.. _torrents];
        await Task.WhenAll(torrents.Select(t => t.StopAsync().AsTask())).ConfigureAwait(false);
        await Engine.DisposeAsync().ConfigureAwait(false);
    }
}
