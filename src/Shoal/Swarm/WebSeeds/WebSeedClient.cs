using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Shoal.Swarm.WebSeeds;

/// <summary>
/// The HTTP side of web seeds, shared by every torrent: keep-alive connections (a bounded number per server), range
/// requests, redirects followed by hand within a limit, bounded time and size. Two connection pools: one that refuses
/// private addresses (for torrents that came from elsewhere) and one that allows them (for the user's own torrents);
/// the check runs when a connection is opened, on the addresses actually dialled, so a redirect or a DNS answer
/// cannot lead a request inside the network.
/// </summary>
public sealed class WebSeedClient : IDisposable
{
    private readonly HttpClient _public;
    private readonly HttpClient _trusted;

    public WebSeedClient(WebSeedOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new WebSeedOptions();
        Time = time ?? TimeProvider.System;
        _public = CreateClient(allowPrivate: false);
        _trusted = CreateClient(allowPrivate: true);
    }

    public WebSeedOptions Options { get; }

    public TimeProvider Time { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> with the bytes of <paramref name="url"/> from <paramref name="offset"/>.
    /// Throws <see cref="WebSeedException"/> saying what went wrong; <see cref="OperationCanceledException"/> only when
    /// <paramref name="cancellationToken"/> was cancelled.
    /// </summary>
    public async Task FetchRangeAsync(Uri url, long offset, Memory<byte> destination, bool allowPrivate, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Options.RequestTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await FetchCoreAsync(allowPrivate ? _trusted : _public, url, offset, destination, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // Cancelled by the caller (a pause, a stop): a read cut short surfaces as an IOException, which is no failure of the server.
            throw new OperationCanceledException("the web seed request was cancelled", ex, cancellationToken);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new WebSeedException(WebSeedFailure.Timeout, $"{url.Host}: no complete answer within {Options.RequestTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            // The connect callback's refusal arrives wrapped; anything else is a connection that failed or broke.
            for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
                if (inner is WebSeedException refused) throw refused;
            throw new WebSeedException(WebSeedFailure.ServerError, $"{url.Host}: {ex.Message}", inner: ex);
        }
        catch (IOException ex)
        {
            throw new WebSeedException(WebSeedFailure.ServerError, $"{url.Host}: {ex.Message}", inner: ex);
        }
    }

    private async Task FetchCoreAsync(HttpClient client, Uri url, long offset, Memory<byte> destination, CancellationToken ct)
    {
        var current = url;
        for (int redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.Range = new RangeHeaderValue(offset, offset + destination.Length - 1);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308)
            {
                if (redirects >= Options.MaxRedirects) throw new WebSeedException(WebSeedFailure.Refused, $"{url.Host}: more than {Options.MaxRedirects} redirects");
                current = Redirect(current, response.Headers.Location);
                continue;
            }
            CheckStatus(current, response, Time);
            await ReadBodyAsync(current, response, offset, destination, ct).ConfigureAwait(false);
            return;
        }
    }

    private static Uri Redirect(Uri from, Uri? location)
    {
        if (location is null) throw new WebSeedException(WebSeedFailure.ServerError, $"{from.Host}: a redirect without a Location");
        var next = location.IsAbsoluteUri ? location : new Uri(from, location);
        if (next.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(next.UserInfo))
            throw new WebSeedException(WebSeedFailure.Refused, $"{from.Host}: a redirect to '{next.Scheme}:' is not followed");
        return next;
    }

    private static void CheckStatus(Uri url, HttpResponseMessage response, TimeProvider time)
    {
        int status = (int)response.StatusCode;
        if (status is 200 or 206) return;
        string what = $"{url.Host}: HTTP {status} {response.ReasonPhrase} for {url.AbsolutePath}";
        throw status switch
        {
            404 or 410 => new WebSeedException(WebSeedFailure.NotFound, what),
            429 or >= 500 => new WebSeedException(WebSeedFailure.ServerError, what, RetryAfter(response, time)),
            _ => new WebSeedException(WebSeedFailure.Refused, what, RetryAfter(response, time)),
        };
    }

    /// <summary>Retry-After as seconds or as a date (RFC 9110).</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - (response.Headers.Date ?? time.GetUtcNow()),
        _ => null,
    };

    /// <summary>
    /// A 206 must be exactly the range asked for; a 200 (a server ignoring Range) is used only when the range starts at
    /// the file's beginning, reading just what is needed. Never more than <paramref name="destination"/> is read.
    /// </summary>
    private static async Task ReadBodyAsync(Uri url, HttpResponseMessage response, long offset, Memory<byte> destination, CancellationToken ct)
    {
        long? length = response.Content.Headers.ContentLength;
        bool partial = response.StatusCode == HttpStatusCode.PartialContent;
        if (partial)
        {
            var range = response.Content.Headers.ContentRange;
            if (range is null || range.From != offset || range.To != offset + destination.Length - 1)
                throw new WebSeedException(WebSeedFailure.ServerError, $"{url.Host}: answered bytes {range?.From}-{range?.To}, not {offset}-{offset + destination.Length - 1}");
            if (length is { } n && n != destination.Length)
                throw new WebSeedException(WebSeedFailure.ServerError, $"{url.Host}: a {n}-byte answer to a {destination.Length}-byte range");
        }
        else
        {
            if (offset != 0) throw new WebSeedException(WebSeedFailure.Refused, $"{url.Host}: ignores range requests");
            if (length is { } n && n < destination.Length)
                throw new WebSeedException(WebSeedFailure.ServerError, $"{url.Host}: the file is {n} bytes, shorter than the torrent says");
        }

        var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            int read = 0;
            while (read < destination.Length)
            {
                int n = await body.ReadAsync(destination[read..], ct).ConfigureAwait(false);
                if (n == 0) throw new WebSeedException(WebSeedFailure.ServerError, $"{url.Host}: the answer ended after {read} of {destination.Length} bytes");
                read += n;
            }
            // A partial answer must end here; a whole file (200) is cut off: disposing drops the rest with the connection.
            if (partial && await body.ReadAsync(new byte[1], ct).ConfigureAwait(false) != 0)
                throw new WebSeedException(WebSeedFailure.ServerError, $"{url.Host}: sent more than the {destination.Length} bytes asked for");
        }
    }

    private HttpClient CreateClient(bool allowPrivate)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // followed by hand: counted, and each hop checked
            AutomaticDecompression = DecompressionMethods.None, // a range of compressed bytes is useless
            MaxConnectionsPerServer = Options.MaxConnectionsPerServer,
            MaxResponseHeadersLength = Options.MaxResponseHeadersKiB,
            ConnectTimeout = Options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            UseCookies = false,
            UseProxy = false,
            ConnectCallback = (context, ct) => ConnectAsync(context, allowPrivate, ct),
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }; // our own timeout, on our TimeProvider
        client.DefaultRequestHeaders.UserAgent.ParseAdd(Options.UserAgent);
        client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("identity");
        return client;
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        var allowed = allowPrivate ? addresses : addresses.Where(a => !PrivateAddresses.IsPrivate(a)).ToArray();
        if (allowed.Length == 0)
            throw new WebSeedException(WebSeedFailure.AddressNotAllowed,
                $"{host} is a private address; web seeds there are used only for torrents you added yourself");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _public.Dispose();
        _trusted.Dispose();
    }
}
