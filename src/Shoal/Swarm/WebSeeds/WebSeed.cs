using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Swarm.WebSeeds;

/// <summary>
/// One 'url-list' entry of one torrent, used like a peer that has every piece (BEP 19): the engine asks it for a piece
/// or a block range, checks the data like any other source, and calls <see cref="ReportBadData"/> when it fails
/// verification. A range that spans files becomes one HTTP range request per file; padding is zeros and never asked
/// for. Failures make it rest (<see cref="WebSeedBackoff"/>); <see cref="IsReady"/> says when to ask again.
/// </summary>
public sealed class WebSeed
{
    private readonly FileLayout _layout;
    private readonly WebSeedClient _client;
    private readonly Uri?[] _fileUrls;
    private long _downloaded;

    /// <param name="url">The url-list entry (see <see cref="WebSeedUrls.TryParse"/>).</param>
    /// <param name="fromUser">The torrent came from the user (a file or link they gave), so a web seed on a private address may be used.</param>
    public WebSeed(Uri url, TorrentInfo info, WebSeedClient client, bool fromUser, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(client);
        if (url.Scheme is not ("http" or "https")) throw new ArgumentException("web seeds are http:// or https://", nameof(url));
        Url = url;
        FromUser = fromUser;
        _layout = new FileLayout(info);
        _client = client;
        _fileUrls = info.Files.Select((f, i) => f.IsPadding || f.Length == 0 ? null : WebSeedUrls.ForFile(url, info, i)).ToArray();
        Backoff = new WebSeedBackoff(client.Options, client.Time, random ?? Random.Shared);
    }

    public Uri Url { get; }

    /// <summary>The bounds it is fetched within (its client's).</summary>
    public WebSeedOptions Options => _client.Options;

    public bool FromUser { get; }

    public WebSeedBackoff Backoff { get; }

    /// <summary>True when the seed may be asked for data now (not resting after failures, not banned).</summary>
    public bool IsReady => Backoff.IsReady;

    /// <summary>Verified or not, the bytes received so far.</summary>
    public long Downloaded => Interlocked.Read(ref _downloaded);

    /// <summary>The last failure, for display; null when the last request succeeded.</summary>
    public string? LastError { get; private set; }

    /// <summary>The URL a file is fetched from (null for padding and empty files).</summary>
    public Uri? FileUrl(int fileIndex) => _fileUrls[fileIndex];

    /// <summary>
    /// Fills <paramref name="destination"/> with <paramref name="length"/> bytes at <paramref name="offset"/> in piece
    /// <paramref name="piece"/>. Throws <see cref="WebSeedException"/> on failure (already recorded in <see cref="Backoff"/>).
    /// </summary>
    public async Task FetchAsync(int piece, int offset, int length, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (Backoff.IsBanned) throw new WebSeedException(WebSeedFailure.BadData, $"{Url.Host} served bad data and is no longer used");
        if (destination.Length < length) throw new ArgumentException($"room for {length} bytes needed", nameof(destination));
        try
        {
            foreach (var slice in _layout.MapPiece(piece, offset, length))
            {
                var target = destination.Slice(slice.BufferOffset, slice.Length);
                if (_fileUrls[slice.FileIndex] is not { } url)
                {
                    target.Span.Clear(); // BEP 47: padding is zeros
                    continue;
                }
                await _client.FetchRangeAsync(url, slice.FileOffset, target, FromUser, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _downloaded, slice.Length);
            }
        }
        catch (WebSeedException ex)
        {
            LastError = ex.Message;
            Backoff.Failed(ex.Failure, ex.RetryAfter);
            throw;
        }
        if (Backoff.IsBanned) return; // a request that was under way when its data failed: the seed stays dropped
        LastError = null;
        Backoff.Succeeded();
    }

    /// <summary>Data from this seed failed verification: BEP 19 says drop it; it is never asked again.</summary>
    public void ReportBadData()
    {
        LastError = $"{Url.Host} served data that failed verification";
        Backoff.Failed(WebSeedFailure.BadData);
    }

    public override string ToString() => Url.ToString();
}
