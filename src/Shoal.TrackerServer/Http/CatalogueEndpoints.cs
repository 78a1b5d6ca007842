using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Shoal.Metainfo;
using Shoal.TrackerServer.Catalogue;

namespace Shoal.TrackerServer.Http;

/// <summary>
/// The catalogue over HTTP:
/// <c>GET /catalogue</c> (JSON; <c>?format=text</c> for tab-separated lines), <c>POST /catalogue</c> (body: the .torrent;
/// the key, when the tracker has one, in the <c>X-Catalogue-Key</c> header or <c>?key=</c>),
/// <c>GET /catalogue/HEX.torrent</c> (the bytes as published) and <c>DELETE /catalogue/HEX</c> (key as for publishing).
/// Errors are a status code with one line of text/plain saying what is wrong.
/// </summary>
internal sealed class CatalogueEndpoints(TrackerCore core)
{
    public const string BasePath = CatalogueProtocol.BasePath;
    public const string NoCatalogue = "this tracker has no catalogue (start it with: shoal tracker --catalogue)";

    private readonly CatalogueListing _listing = new(core);

    public static bool Handles(string? path) =>
        path is not null && path.StartsWith(BasePath, StringComparison.Ordinal) && (path.Length == BasePath.Length || path[BasePath.Length] == '/');

    public Task HandleAsync(HttpContext context)
    {
        if (core.Catalogue is not { } catalogue) return WriteTextAsync(context, StatusCodes.Status404NotFound, NoCatalogue);
        string path = context.Request.Path.Value!;
        string method = context.Request.Method;
        if (path.Length <= BasePath.Length + 1)
        {
            if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) return ListAsync(context);
            if (HttpMethods.IsPost(method)) return PublishAsync(context, catalogue);
            return NotAllowedAsync(context, "GET, HEAD, POST");
        }
        var rest = path.AsSpan(BasePath.Length + 1);
        bool torrentFile = rest.EndsWith(".torrent", StringComparison.Ordinal);
        if (torrentFile) rest = rest[..^".torrent".Length];
        if (rest.Length != 40 || !InfoHash.TryParse(rest, out var infoHash))
            return WriteTextAsync(context, StatusCodes.Status404NotFound, "no such catalogue entry (expected /catalogue/<40 hex digits>.torrent)");
        if (torrentFile && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))) return SendTorrentAsync(context, catalogue, infoHash);
        if (HttpMethods.IsDelete(method)) return RemoveAsync(context, catalogue, infoHash);
        return NotAllowedAsync(context, torrentFile ? "GET, HEAD, DELETE" : "DELETE");
    }

    private Task ListAsync(HttpContext context)
    {
        if (!Admit(context)) return RateLimitedAsync(context);
        bool text = string.Equals(context.Request.Query["format"], "text", StringComparison.OrdinalIgnoreCase);
        var body = _listing.Render(text ? CatalogueListing.Format.Text : CatalogueListing.Format.Json, SelfAnnounceUrl(context));
        return WriteAsync(context, StatusCodes.Status200OK, text ? "text/plain; charset=utf-8" : "application/json", body);
    }

    private Task SendTorrentAsync(HttpContext context, CatalogueService catalogue, InfoHash infoHash)
    {
        if (!Admit(context)) return RateLimitedAsync(context);
        if (!catalogue.Entries.TryGet(infoHash, out var entry) || !catalogue.IsVisible(entry))
            return WriteTextAsync(context, StatusCodes.Status404NotFound, $"{infoHash.ToHex()} is not in the catalogue");
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(entry.Name + ".torrent");
        context.Response.Headers.ContentDisposition = disposition.ToString();
        return WriteAsync(context, StatusCodes.Status200OK, CatalogueProtocol.TorrentMediaType, entry.TorrentBytes);
    }

    private async Task PublishAsync(HttpContext context, CatalogueService catalogue)
    {
        if (RefuseEdit(context, catalogue) is { } refusal)
        {
            await refusal.ConfigureAwait(false);
            return;
        }
        // Off Kestrel's I/O thread (inline scheduling): parsing a large .torrent and the database write take a while.
        await Task.Yield();
        var body = await ReadBodyAsync(context, catalogue.MaxTorrentBytes).ConfigureAwait(false);
        if (body is null)
        {
            await WriteTextAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"the .torrent is larger than this catalogue accepts ({catalogue.MaxTorrentBytes} bytes)").ConfigureAwait(false);
            return;
        }
        var result = await catalogue.PublishAsync(body, context.RequestAborted).ConfigureAwait(false);
        int status = result.Status switch
        {
            PublishStatus.Added => StatusCodes.Status201Created,
            PublishStatus.Unchanged => StatusCodes.Status200OK,
            PublishStatus.Conflict => StatusCodes.Status409Conflict,
            PublishStatus.Invalid => StatusCodes.Status400BadRequest,
            PublishStatus.NotAllowed => StatusCodes.Status403Forbidden,
            PublishStatus.TooLarge => StatusCodes.Status413PayloadTooLarge,
            PublishStatus.Full => StatusCodes.Status507InsufficientStorage,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        if (result.Entry is { } entry && result.Status is PublishStatus.Added or PublishStatus.Unchanged)
        {
            context.Response.Headers.Location = CatalogueListing.TorrentPath(entry);
            var json = _listing.PublishAnswer(result, SelfAnnounceUrl(context));
            await WriteAsync(context, status, "application/json", json).ConfigureAwait(false);
            return;
        }
        await WriteTextAsync(context, status, result.Message).ConfigureAwait(false);
    }

    private async Task RemoveAsync(HttpContext context, CatalogueService catalogue, InfoHash infoHash)
    {
        if (RefuseEdit(context, catalogue) is { } refusal)
        {
            await refusal.ConfigureAwait(false);
            return;
        }
        await Task.Yield();
        bool removed = await catalogue.RemoveAsync(infoHash, context.RequestAborted).ConfigureAwait(false);
        await WriteTextAsync(context, removed ? StatusCodes.Status200OK : StatusCodes.Status404NotFound,
            removed ? $"{infoHash.ToHex()} removed from the catalogue" : $"{infoHash.ToHex()} is not in the catalogue").ConfigureAwait(false);
    }

    /// <summary>The publish rate limit and the key, shared by publishing and removing; null when the request may go on.</summary>
    private Task? RefuseEdit(HttpContext context, CatalogueService catalogue)
    {
        if (!catalogue.AdmitPublish(RequestSource.Of(context, core.Options).Address.Address))
        {
            core.Counters.RateLimit();
            context.Response.Headers.RetryAfter = "60";
            return WriteTextAsync(context, StatusCodes.Status429TooManyRequests, "too many catalogue changes from this address; try again in a minute");
        }
        string? key = context.Request.Headers.TryGetValue(CatalogueProtocol.KeyHeader, out var header)
            ? header.ToString() : context.Request.Query[CatalogueProtocol.KeyParameter].FirstOrDefault();
        if (!catalogue.KeyMatches(key))
        {
            return WriteTextAsync(context, StatusCodes.Status401Unauthorized, key is null
                ? "this catalogue needs a key to publish (shoal seed --catalogue-key KEY, or SHOAL_CATALOGUE_KEY)"
                : "wrong catalogue key");
        }
        return null;
    }

    /// <summary>The request body, or null when it is larger than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength > limit) return null;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var body = new MemoryStream(context.Request.ContentLength is long known ? (int)known : 64 * 1024);
            while (true)
            {
                int read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false);
                if (read == 0) return body.ToArray();
                if (body.Length + read > limit) return null;
                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private bool Admit(HttpContext context) => core.Admit(RequestSource.Of(context, core.Options).Address.Address);

    /// <summary>This tracker's announce URL as the client reached it (so a magnet link works from where it was read).</summary>
    internal static string? SelfAnnounceUrl(HttpContext context)
    {
        var host = context.Request.Host.Value;
        if (string.IsNullOrEmpty(host) || host.Length > 255) return null;
        foreach (char c in host)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')) return null;
        return $"http://{host}/announce";
    }

    private static Task RateLimitedAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return WriteTextAsync(context, StatusCodes.Status429TooManyRequests, "rate limit exceeded, slow down");
    }

    private static Task NotAllowedAsync(HttpContext context, string allow)
    {
        context.Response.Headers.Allow = allow;
        return WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, $"method not allowed here (allowed: {allow})");
    }

    internal static Task WriteTextAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(message + "\n"));

    private static Task WriteAsync(HttpContext context, int status, string contentType, ReadOnlyMemory<byte> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body).AsTask();
    }
}
