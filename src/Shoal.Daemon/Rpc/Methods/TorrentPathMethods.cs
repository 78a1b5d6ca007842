namespace Shoal.Daemon.Rpc.Methods;

/// <summary>torrent-set-location (move the data, or look for it elsewhere) and torrent-rename-path.</summary>
internal static class TorrentPathMethods
{
    public static void Register(IDictionary<string, RpcHandler> methods)
    {
        methods["torrent-set-location"] = SetLocationAsync;
        methods["torrent-rename-path"] = RenamePathAsync;
    }

    private static async Task SetLocationAsync(RpcCall call)
    {
        var location = call.Arguments.String("location") ?? throw new RpcException("no location");
        if (!Path.IsPathFullyQualified(location)) throw new RpcException("new location path is not absolute");
        bool move = call.Arguments.Bool("move") ?? false;
        foreach (var torrent in call.Torrents()) await call.Host.SetLocationAsync(torrent, location, move).ConfigureAwait(false);
    }

    private static async Task RenamePathAsync(RpcCall call)
    {
        string path = call.Arguments.String("path") ?? "";
        string name = call.Arguments.String("name") ?? "";
        var torrents = call.Torrents();
        if (torrents.Count != 1) throw new RpcException("torrent-rename-path requires 1 torrent");
        await call.Host.RenamePathAsync(torrents[0], path, name).ConfigureAwait(false);
        call.Output.WriteNumber("id", torrents[0].Id);
        call.Output.WriteString("path", path);
        call.Output.WriteString("name", name);
    }
}
