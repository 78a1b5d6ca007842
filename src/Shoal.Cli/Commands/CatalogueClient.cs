using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Shoal.Metainfo;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.Cli.Commands;

/// <summary>One entry of a tracker's catalogue, as the listing describes it (validated: it comes from the network).</summary>
internal sealed record CatalogueItem(string Name, InfoHash InfoHash, long Size, int Files, int Seeders, int Leechers, bool Stale);

/// <summary>
/// Talks to a Shoal tracker's catalogue (<see cref="CatalogueProtocol"/>). The catalogue lives on the tracker's HTTP port
/// whatever URL the tracker was given by: an http(s) announce URL keeps its scheme, host and port; a udp:// URL maps to
/// http:// on the same host and port, because Shoal's tracker serves HTTP and UDP on one port number.
/// Failures are <see cref="UserErrorException"/>s with one clear line and the documented exit code.
/// </summary>
internal sealed class CatalogueClient : IDisposable
{
    private const long MaxListingBytes = 64L * 1024 * 1024;
    private const int MaxEntries = 100_000;
    private const int MaxNameLength = 4096;

    private readonly HttpClient _http;

    public CatalogueClient(TimeSpan? timeout = null)
    {
        _http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(15), MaxResponseContentBufferSize = MaxListingBytes };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("shoal", "1"));
    }

    /// <summary>The catalogue URL of the tracker behind <paramref name="trackerUrl"/> (any path: /announce, /, nothing).</summary>
    public static Uri CatalogueUrl(string trackerUrl)
    {
        if (!Uri.TryCreate(trackerUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "udp") || uri.Port <= 0)
            throw new UserErrorException($"'{trackerUrl}' is not a tracker URL (http://HOST:PORT/announce or udp://HOST:PORT/announce)");
        string scheme = uri.Scheme == "udp" ? "http" : uri.Scheme;
        return new UriBuilder(scheme, uri.Host, uri.Port, CatalogueProtocol.BasePath).Uri;
    }

    /// <summary>Every entry the catalogue lists, in its order (newest first); entries that do not make sense are skipped.</summary>
    public async Task<IReadOnlyList<CatalogueItem>> ListAsync(Uri catalogue, CancellationToken ct)
    {
        byte[] body;
        using (var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, catalogue), catalogue, ct).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(response, catalogue, ct).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        try
        {
            return ParseListing(body);
        }
        catch (JsonException)
        {
            throw new UserErrorException($"{catalogue} did not answer with a catalogue listing (is it a Shoal tracker?)", ExitCodes.InvalidInput);
        }
    }

    /// <summary>Reads a listing; throws <see cref="JsonException"/> when it is not one.</summary>
    internal static IReadOnlyList<CatalogueItem> ParseListing(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("entries", out var entries)
            || entries.ValueKind != JsonValueKind.Array)
            throw new JsonException("no entries");
        var items = new List<CatalogueItem>();
        foreach (var entry in entries.EnumerateArray())
        {
            if (items.Count == MaxEntries) break;
            if (ReadItem(entry) is { } item) items.Add(item);
        }
        return items;
    }

    private static CatalogueItem? ReadItem(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object) return null;
        if (String(entry, "name") is not { Length: > 0 and <= MaxNameLength } name) return null;
        if (String(entry, "infoHash") is not { Length: 40 } hex || !InfoHash.TryParse(hex, out var hash)) return null;
        long size = Integer(entry, "size");
        if (size < 0) return null;
        return new CatalogueItem(name, hash, size, (int)Math.Clamp(Integer(entry, "files"), 0, int.MaxValue),
            (int)Math.Clamp(Integer(entry, "seeders"), 0, int.MaxValue), (int)Math.Clamp(Integer(entry, "leechers"), 0, int.MaxValue),
            entry.TryGetProperty("stale", out var stale) && stale.ValueKind == JsonValueKind.True);
    }

    private static string? String(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Integer(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : 0;

    /// <summary>Downloads an entry's .torrent and checks it is the one the listing named.</summary>
    public async Task<Torrent> FetchTorrentAsync(Uri catalogue, CatalogueItem item, CancellationToken ct)
    {
        var url = new Uri(catalogue, CatalogueProtocol.TorrentPath(item.InfoHash.ToHex()));
        byte[] bytes;
        using (var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, url), catalogue, ct).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(response, catalogue, ct).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength > Torrent.MaxFileSize)
                throw new UserErrorException($"{url} is larger than any sane .torrent file", ExitCodes.InvalidInput);
            bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        Torrent torrent;
        try
        {
            torrent = Torrent.Parse(bytes);
        }
        catch (InvalidTorrentException ex)
        {
            throw new UserErrorException($"{url}: {ex.Message}", ExitCodes.InvalidInput);
        }
        if (torrent.InfoHash != item.InfoHash)
            throw new UserErrorException($"{url} holds a .torrent for {torrent.InfoHash.ToHex()}, not {item.InfoHash.ToHex()}", ExitCodes.InvalidInput);
        return torrent;
    }

    /// <summary>Posts a .torrent to the catalogue; never throws for what the tracker or the network does.</summary>
    public async Task<PublishAnswer> PublishAsync(Uri catalogue, byte[] torrent, string? key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, catalogue) { Content = new ByteArrayContent(torrent) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(CatalogueProtocol.TorrentMediaType);
        if (key is not null) request.Headers.Add(CatalogueProtocol.KeyHeader, key);
        try
        {
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            string reason = await ReasonAsync(response, ct).ConfigureAwait(false);
            return response.StatusCode switch
            {
                HttpStatusCode.Created => new(PublishAnswerKind.Published, "published"),
                HttpStatusCode.OK => new(PublishAnswerKind.Published, "already listed"),
                HttpStatusCode.Conflict => new(PublishAnswerKind.Conflict, reason),
                HttpStatusCode.NotFound => new(PublishAnswerKind.NoCatalogue, "the tracker has no catalogue (start it with: shoal tracker --catalogue)"),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge
                    => new(PublishAnswerKind.Refused, reason),
                _ => new(PublishAnswerKind.Failed, $"HTTP {(int)response.StatusCode}: {reason}"),
            };
        }
        catch (HttpRequestException ex)
        {
            return new(PublishAnswerKind.Failed, $"cannot reach it: {ex.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new(PublishAnswerKind.Failed, $"no answer within {_http.Timeout.TotalSeconds:0} s");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Uri catalogue, CancellationToken ct)
    {
        using (request)
        {
            try
            {
                return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new UserErrorException($"cannot reach the catalogue at {catalogue}: {ex.Message}", ExitCodes.NetworkError);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new UserErrorException($"the catalogue at {catalogue} did not answer within {_http.Timeout.TotalSeconds:0} s", ExitCodes.NetworkError);
            }
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, Uri catalogue, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        if (response.StatusCode == HttpStatusCode.NotFound && response.RequestMessage?.RequestUri?.AbsolutePath == CatalogueProtocol.BasePath)
            throw new UserErrorException($"the tracker at {catalogue.GetLeftPart(UriPartial.Authority)} has no catalogue (start it with: shoal tracker --catalogue)");
        string reason = await ReasonAsync(response, ct).ConfigureAwait(false);
        throw new UserErrorException($"{response.RequestMessage?.RequestUri}: HTTP {(int)response.StatusCode}: {reason}", ExitCodes.NetworkError);
    }

    /// <summary>The first line of an error body, made safe to print and kept short.</summary>
    private static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            text = "";
        }
        var line = text.AsSpan().Trim();
        int newline = line.IndexOfAny('\r', '\n');
        if (newline >= 0) line = line[..newline];
        if (line.Length > 300) line = line[..300];
        var safe = Output.TerminalText.Safe(line.ToString());
        return safe.Length > 0 ? safe : response.ReasonPhrase ?? response.StatusCode.ToString();
    }

    public void Dispose() => _http.Dispose();
}

internal enum PublishAnswerKind
{
    /// <summary>Listed now (new, or the same .torrent was there already).</summary>
    Published,
    /// <summary>A different .torrent with the same info-hash (same content) is listed; leechers get that one.</summary>
    Conflict,
    /// <summary>The tracker serves no catalogue.</summary>
    NoCatalogue,
    /// <summary>Refused for good: wrong or missing key, not on the allow-list, invalid, too large.</summary>
    Refused,
    /// <summary>Worth trying again: unreachable, timed out, rate-limited, full, a server error.</summary>
    Failed,
}

internal sealed record PublishAnswer(PublishAnswerKind Kind, string Message)
{
    /// <summary>Nothing later will change this answer.</summary>
    public bool IsFinal => Kind is PublishAnswerKind.NoCatalogue or PublishAnswerKind.Refused;
}
