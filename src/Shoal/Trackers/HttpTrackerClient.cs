using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;

namespace Shoal.Trackers;

/// <summary>An HTTP(S) tracker (BEP 3, compact peers BEP 23, IPv6 peers BEP 7, scrape BEP 48).</summary>
public sealed class HttpTrackerClient : ITrackerClient
{
    private readonly TrackerClientOptions _options;
    private readonly HttpClient _http;
    private byte[]? _trackerId;

    public HttpTrackerClient(Uri announceUrl, TrackerClientOptions options)
    {
        if (announceUrl.Scheme is not ("http" or "https"))
            throw new TrackerException(announceUrl, TrackerErrorKind.InvalidUrl, $"has scheme '{announceUrl.Scheme}', not http or https");
        Uri = announceUrl;
        _options = options;
        _http = options.HttpHandler is { } shared
            ? new HttpClient(shared, disposeHandler: false)
            : new HttpClient(CreateHandler(options), disposeHandler: true);
        // Our own deadline (on the injected clock) covers the whole request including the body.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
    }

    public Uri Uri { get; }

    public static SocketsHttpHandler CreateHandler(TrackerClientOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 3,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        MaxResponseHeadersLength = 64, // KiB
    };

    public async Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken ct)
    {
        request.Validate();
        var url = HttpTrackerUrls.Announce(Uri, request, _trackerId);
        var parsed = await GetAsync(url, ct, static (body, client) => HttpTrackerResponse.ParseAnnounce(body, client.Uri, client._options)).ConfigureAwait(false);
        if (parsed.TrackerId is not null) _trackerId = parsed.TrackerId;
        return parsed.Response;
    }

    public async Task<ScrapeResult?> ScrapeAsync(InfoHash hash, CancellationToken ct)
    {
        var url = HttpTrackerUrls.Scrape(Uri, hash);
        if (url is null) return null;
        return await GetAsync(url, ct, (body, client) => HttpTrackerResponse.ParseScrape(body, client.Uri, hash)).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private delegate T BodyParser<T>(ReadOnlySpan<byte> body, HttpTrackerClient client);

    private async Task<T> GetAsync<T>(Uri url, CancellationToken ct, BodyParser<T> parse)
    {
        using var deadline = new CancellationTokenSource(_options.RequestTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        byte[]? buffer = null;
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            long? declared = response.Content.Headers.ContentLength;
            if (declared > _options.MaxResponseBytes && response.Content.Headers.ContentEncoding.Count == 0)
                throw TooLarge();
            int length;
            (buffer, length) = await ReadBoundedAsync(response.Content, declared, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var reason = HttpTrackerResponse.TryReadFailureReason(buffer.AsSpan(0, length));
                if (reason is not null)
                    throw new TrackerException(Uri, TrackerErrorKind.Failure, $"refused the request: {reason}") { FailureReason = reason };
                throw new TrackerException(Uri, TrackerErrorKind.HttpStatus, $"answered HTTP {(int)response.StatusCode} {TrackerException.Printable(response.ReasonPhrase ?? "", 60)}".TrimEnd());
            }
            return parse(buffer.AsSpan(0, length), this);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TrackerException(Uri, TrackerErrorKind.Timeout, $"did not answer within {Durations.Format(_options.RequestTimeout)}");
        }
        catch (HttpRequestException e)
        {
            throw Translate(e);
        }
        catch (InvalidDataException e) // a corrupt gzip/deflate body
        {
            throw new TrackerException(Uri, TrackerErrorKind.InvalidResponse, $"answered with a corrupt compressed body: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new TrackerException(Uri, TrackerErrorKind.Unreachable, $"dropped the connection while answering: {e.Message}", e);
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the (decompressed) body into a pooled buffer, failing as soon as it exceeds the limit.</summary>
    private async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(HttpContent content, long? declared, CancellationToken ct)
    {
        int limit = _options.MaxResponseBytes;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(declared ?? 16 * 1024, 1024, limit + 1L));
        int length = 0;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) throw TooLarge();
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
                if (length > limit) throw TooLarge();
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private TrackerException TooLarge() =>
        new(Uri, TrackerErrorKind.InvalidResponse, $"answered with more than {Durations.FormatBytes(_options.MaxResponseBytes)}, the most accepted");

    private TrackerException Translate(HttpRequestException e)
    {
        var socketError = (e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException)?.SocketErrorCode;
        string what = e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "is unreachable: its host name could not be resolved",
            HttpRequestError.ConnectionError when socketError == SocketError.ConnectionRefused => "is unreachable: connection refused",
            HttpRequestError.ConnectionError => $"is unreachable: {e.Message}",
            HttpRequestError.SecureConnectionError => $"failed the TLS handshake: {e.Message}",
            HttpRequestError.ResponseEnded => "closed the connection without a complete HTTP answer",
            HttpRequestError.InvalidResponse => "answered with something that is not HTTP",
            _ => $"could not be reached: {e.Message}",
        };
        var kind = e.HttpRequestError switch
        {
            HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded => TrackerErrorKind.InvalidResponse,
            _ => TrackerErrorKind.Unreachable,
        };
        return new TrackerException(Uri, kind, what, e);
    }
}
