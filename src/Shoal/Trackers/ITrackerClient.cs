using Shoal.Metainfo;

namespace Shoal.Trackers;

/// <summary>
/// Talks to one tracker URL. Every tracker-side problem (refusal, garbage, timeout, unreachable) surfaces as a
/// <see cref="TrackerException"/>; cancellation through the token surfaces as <see cref="OperationCanceledException"/>.
/// An instance may keep per-tracker state (HTTP <c>tracker id</c>, UDP connection id), so use one per torrent and URL.
/// </summary>
public interface ITrackerClient : IDisposable
{
    Uri Uri { get; }

    Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken ct);

    /// <summary>The counters for <paramref name="hash"/>, or null when the tracker has no scrape endpoint or no entry for it.</summary>
    Task<ScrapeResult?> ScrapeAsync(InfoHash hash, CancellationToken ct);
}
