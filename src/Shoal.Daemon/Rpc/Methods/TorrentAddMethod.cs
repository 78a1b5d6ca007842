using System.Net.Http.Headers;
using Shoal.Metainfo;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>
/// torrent-add: from <c>metainfo</c> (a base64 .torrent) or <c>filename</c> — a magnet link, a bare info-hash, a .torrent
/// path on the daemon's machine, or an http(s) URL of a .torrent (fetched with <c>cookies</c>). Answers
/// <c>torrent-added</c>, or <c>torrent-duplicate</c> (still "success") when the info-hash is already there.
/// </summary>
internal static class TorrentAddMethod
{
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(30);

    // One client for the daemon's lifetime (sockets are pooled); redirects are followed, a few at most.
    private static readonly HttpClient Fetcher = new(new SocketsHttpHandler { MaxAutomaticRedirections = 5, ConnectTimeout = FetchTimeout })
    {
        Timeout = FetchTimeout,
        MaxResponseContentBufferSize = Torrent.MaxFileSize,
    };

    public static void Register(IDictionary<string, RpcHandler> methods) => methods["torrent-add"] = AddAsync;

    private static async Task AddAsync(RpcCall call)
    {
        var args = call.Arguments;
        string filename = args.String("filename") ?? "";
        string metainfoBase64 = args.String("metainfo") ?? "";
        if (filename.Length == 0 && metainfoBase64.Length == 0) throw new RpcException("no filename or metainfo specified");
        string? downloadDir = args.String("download-dir") is { Length: > 0 } dir ? dir : null;
        if (downloadDir is not null && !Path.IsPathFullyQualified(downloadDir)) throw new RpcException("download directory path is not absolute");
        IReadOnlyList<string>? labels = null;
        if (args.StringList("labels") is { } given)
        {
            labels = Labels.Validate(given, out var error);
            if (error is not null) throw new RpcException(error);
        }
        var request = new AddRequest
        {
            DownloadDir = downloadDir,
            Paused = args.Bool("paused"),
            PeerLimit = args.Int("peer-limit") is { } peers && peers > 0 ? (int)Math.Min(peers, 10_000) : null,
            BandwidthPriority = args.Int("bandwidthPriority") is { } p && p is >= -1 and <= 1 ? (int)p : null,
            Labels = labels,
            FilesWanted = Indices(args, "files-wanted"),
            FilesUnwanted = Indices(args, "files-unwanted"),
            PriorityHigh = Indices(args, "priority-high"),
            PriorityLow = Indices(args, "priority-low"),
            PriorityNormal = Indices(args, "priority-normal"),
            Sequential = args.Bool("sequentialDownload") ?? args.Bool("sequential_download"),
        };
        request = metainfoBase64.Length > 0
            ? request with { Metainfo = DecodeBase64(metainfoBase64) }
            : await FromFilenameAsync(request, filename.Trim(), args.String("cookies"), call.CancellationToken).ConfigureAwait(false);
        var result = await call.Host.AddAsync(request, call.CancellationToken).ConfigureAwait(false);
        TorrentGetMethod.WriteBrief(call.Output, result.Duplicate ? "torrent-duplicate" : "torrent-added", result.Torrent);
    }

    private static async Task<AddRequest> FromFilenameAsync(AddRequest request, string filename, string? cookies, CancellationToken ct)
    {
        if (filename.StartsWith("magnet:", StringComparison.OrdinalIgnoreCase))
        {
            return MagnetLink.TryParse(filename, out var link, out var error)
                ? request with { Magnet = link }
                : throw new RpcException($"invalid magnet link: {error}");
        }
        if (InfoHash.TryParse(filename, out var hash)) return request with { Magnet = new MagnetLink(hash) };
        if (Uri.TryCreate(filename, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return request with { Metainfo = await FetchAsync(uri, cookies, ct).ConfigureAwait(false) };
        if (!Path.IsPathFullyQualified(filename)) throw new RpcException($"unrecognized info: '{filename}' is not a magnet link, URL or absolute path");
        var file = new FileInfo(filename);
        if (!file.Exists) throw new RpcException($"no such file on the daemon's machine: {filename}");
        if (file.Length > Torrent.MaxFileSize) throw new RpcException($"{filename} is too large for a .torrent ({file.Length} bytes)");
        try
        {
            return request with { Metainfo = await File.ReadAllBytesAsync(filename, ct).ConfigureAwait(false), SourceFile = filename };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RpcException($"cannot read {filename}: {ex.Message}");
        }
    }

    private static async Task<byte[]> FetchAsync(Uri uri, string? cookies, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrWhiteSpace(cookies)) message.Headers.TryAddWithoutValidation("Cookie", cookies);
        message.Headers.UserAgent.Add(new ProductInfoHeaderValue("Shoal", DaemonVersion.Short));
        try
        {
            using var response = await Fetcher.SendAsync(message, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw new RpcException($"Couldn't fetch torrent: {(int)response.StatusCode} {response.ReasonPhrase}");
            return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new RpcException($"Couldn't fetch torrent: {ex.Message}");
        }
    }

    private static byte[] DecodeBase64(string text)
    {
        var buffer = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text, buffer, out int written) ? buffer[..written] : throw new RpcException("metainfo is not valid base64");
    }

    private static IReadOnlyList<int>? Indices(RpcArguments args, string key) =>
        args.IntList(key) is { } list ? [.. list.Where(i => i is >= 0 and <= int.MaxValue).Select(i => (int)i)] : null;
}
