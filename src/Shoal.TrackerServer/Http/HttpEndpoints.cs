using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;
using Shoal.Wire;

namespace Shoal.TrackerServer.Http;

/// <summary>
/// The whole HTTP application: one request delegate dispatching on the path, no routing or middleware.
/// Tracker answers are always HTTP 200 with a bencoded body — a malformed request gets a "failure reason", never a 500.
/// </summary>
internal sealed class HttpEndpoints
{
    private const string BencodeContentType = "text/plain";

    [ThreadStatic] private static PeerSelection? t_selection;
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    private readonly TrackerCore _core;
    private readonly StatsPages _stats;
    private readonly CatalogueEndpoints _catalogue;
    private readonly ILogger _logger;

    public HttpEndpoints(TrackerCore core)
    {
        _core = core;
        _stats = new StatsPages(core);
        _catalogue = new CatalogueEndpoints(core);
        _logger = core.LoggerFactory.CreateLogger("Shoal.TrackerServer.Http");
    }

    public Task HandleAsync(HttpContext context)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        try
        {
            switch (context.Request.Path.Value)
            {
                case "/announce":
                    Announce(context, buffer);
                    return SendAsync(context, buffer, BencodeContentType);
                case "/scrape":
                    Scrape(context, buffer);
                    return SendAsync(context, buffer, BencodeContentType);
                case "/" or "/stats" or "/index.html":
                    return _stats.WriteHtmlAsync(context);
                case "/stats.json":
                    return _stats.WriteJsonAsync(context);
                case "/metrics":
                    return _stats.WriteMetricsAsync(context);
                case var path when CatalogueEndpoints.Handles(path):
                    return _catalogue.HandleAsync(context);
                default:
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
            }
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            _logger.LogError(ex, "HTTP request {Path} failed", context.Request.Path.Value);
            buffer.ResetWrittenCount();
            BencodedAnswers.WriteFailure(buffer, "internal tracker error");
            return SendAsync(context, buffer, BencodeContentType);
        }
    }

    private void Announce(HttpContext context, ArrayBufferWriter<byte> buffer)
    {
        if (!Admitted(context, buffer, out var source)) return;
        var error = AnnounceQuery.TryParse(context.Request.QueryString.Value, out var query);
        if (error is not null)
        {
            _core.Counters.BadRequest();
            BencodedAnswers.WriteFailure(buffer, error);
            return;
        }
        var claimed = query.Ip ?? query.IPv4 ?? query.IPv6;
        var input = new AnnounceInput(query.InfoHash, query.PeerId, query.Port, query.Left, query.Event, query.NumWant, source,
            claimed is null ? null : PeerEndpoint.FromIPAddress(claimed, query.Port), TrackerProtocol.Http,
            WantPeerIds: !query.Compact && !query.NoPeerId);
        var selection = t_selection ??= new PeerSelection(TrackerOptions.MaxNumWantLimit);
        var outcome = _core.Announces.Announce(in input, selection);
        if (outcome.Accepted)
            BencodedAnswers.WriteAnnounce(buffer, in outcome, selection, query.Compact, _core.Announces.IntervalSeconds, _core.Announces.MinIntervalSeconds);
        else
            BencodedAnswers.WriteFailure(buffer, outcome.FailureReason!);
    }

    /// <summary>The per-address rate limit; a refused request gets its failure answer here.</summary>
    private bool Admitted(HttpContext context, ArrayBufferWriter<byte> buffer, out AnnounceSource source)
    {
        source = RequestSource.Of(context, _core.Options);
        if (_core.Admit(source.Address.Address)) return true;
        BencodedAnswers.WriteFailure(buffer, "rate limit exceeded, slow down");
        return false;
    }

    private void Scrape(HttpContext context, ArrayBufferWriter<byte> buffer)
    {
        if (!Admitted(context, buffer, out _)) return;
        var hashes = new List<InfoHash>();
        var error = ScrapeQuery.TryParse(context.Request.QueryString.Value, hashes);
        if (error is not null)
        {
            _core.Counters.BadRequest();
            BencodedAnswers.WriteFailure(buffer, error);
            return;
        }
        _core.Counters.HttpScrape();
        // Bencoded dictionaries need their keys in byte order, without repeats.
        hashes.Sort((a, b) => a.Span.SequenceCompareTo(b.Span));
        var distinct = new List<InfoHash>(hashes.Count);
        foreach (var hash in hashes)
            if (distinct.Count == 0 || !distinct[^1].Equals(hash)) distinct.Add(hash);
        distinct.RemoveAll(hash => !_core.Announces.Serves(hash));
        var counts = distinct.ConvertAll(_core.Announces.Scrape);
        BencodedAnswers.WriteScrape(buffer, distinct, counts);
    }

    private static Task SendAsync(HttpContext context, ArrayBufferWriter<byte> buffer, string contentType)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.ContentLength = buffer.WrittenCount;
        // Copied synchronously: the thread-static buffer must not be touched after an await.
        var body = response.BodyWriter;
        buffer.WrittenSpan.CopyTo(body.GetSpan(buffer.WrittenCount));
        body.Advance(buffer.WrittenCount);
        var flush = body.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }
}
