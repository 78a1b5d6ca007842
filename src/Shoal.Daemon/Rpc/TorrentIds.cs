using System.Text.Json;
using Shoal.Metainfo;

namespace Shoal.Daemon.Rpc;

/// <summary>
/// Resolves a request's <c>ids</c> as Transmission does: absent = every torrent; a number; a hash string; "recently-active"
/// (changed in the last 60 seconds); or a list of numbers and hash strings. Ids that name no torrent are skipped.
/// </summary>
public static class TorrentIds
{
    public const string RecentlyActive = "recently-active";

    public static readonly TimeSpan RecentlyActiveWindow = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<IHostedTorrent> Resolve(ITorrentHost host, RpcArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(host);
        var all = host.Torrents;
        if (!arguments.TryGet("ids", out var ids) && !arguments.TryGet("id", out ids)) return all;
        switch (ids.ValueKind)
        {
            case JsonValueKind.Array:
                var found = new List<IHostedTorrent>();
                var seen = new HashSet<int>();
                foreach (var item in ids.EnumerateArray())
                {
                    if (Find(all, item) is { } torrent && seen.Add(torrent.Id)) found.Add(torrent);
                }
                return found;
            case JsonValueKind.String when ids.GetString() == RecentlyActive:
                var cutoff = host.Time.GetUtcNow() - RecentlyActiveWindow;
                return [.. all.Where(t => t.AnyDate >= cutoff)];
            default:
                return Find(all, ids) is { } one ? [one] : [];
        }
    }

    public static bool IsRecentlyActive(RpcArguments arguments) =>
        arguments.TryGet("ids", out var ids) && ids.ValueKind == JsonValueKind.String && ids.GetString() == RecentlyActive;

    private static IHostedTorrent? Find(IReadOnlyList<IHostedTorrent> all, JsonElement id)
    {
        if (RpcArguments.TryInt(id, out long number) && id.ValueKind == JsonValueKind.Number) return all.FirstOrDefault(t => t.Id == number);
        if (id.ValueKind == JsonValueKind.String && InfoHash.TryParse(id.GetString(), out var hash)) return all.FirstOrDefault(t => t.InfoHash == hash);
        return null;
    }
}
