namespace Shoal.Daemon.Rpc.Methods;

/// <summary>torrent-start, -start-now, -stop, -verify, -reannounce, -remove: one action on every torrent named by <c>ids</c>.</summary>
internal static class TorrentActionMethods
{
    public static void Register(IDictionary<string, RpcHandler> methods)
    {
        methods["torrent-start"] = call => ForEach(call, OrderByQueue, t => call.Host.StartAsync(t, bypassQueue: false));
        methods["torrent-start-now"] = call => ForEach(call, OrderByQueue, t => call.Host.StartAsync(t, bypassQueue: true));
        methods["torrent-stop"] = call => ForEach(call, null, call.Host.StopAsync);
        // A check can take minutes: the host runs it after the answer; its progress shows in torrent-get (status 1/2, recheckProgress).
        methods["torrent-verify"] = call => ForEach(call, null, call.Host.VerifyAsync);
        methods["torrent-reannounce"] = call => ForEach(call, null, t =>
        {
            call.Host.Reannounce(t);
            return Task.CompletedTask;
        });
        methods["torrent-remove"] = call =>
        {
            bool deleteData = call.Arguments.Bool("delete-local-data") ?? false;
            return ForEach(call, null, t => call.Host.RemoveAsync(t, deleteData));
        };
    }

    // Starting in queue order keeps the queue's order among the torrents started together.
    private static IEnumerable<IHostedTorrent> OrderByQueue(IEnumerable<IHostedTorrent> torrents) =>
        torrents.OrderBy(t => t.Snapshot().QueuePosition);

    private static async Task ForEach(RpcCall call, Func<IEnumerable<IHostedTorrent>, IEnumerable<IHostedTorrent>>? order,
        Func<IHostedTorrent, Task> action)
    {
        IEnumerable<IHostedTorrent> torrents = call.Torrents();
        if (order is not null) torrents = order(torrents);
        foreach (var torrent in torrents) await action(torrent).ConfigureAwait(false);
    }
}
