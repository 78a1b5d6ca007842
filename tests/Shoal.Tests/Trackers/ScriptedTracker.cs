using System.Collections.Concurrent;
using System.Net;
using Shoal.Metainfo;
using Shoal.Trackers;

namespace Shoal.Tests.Trackers;

/// <summary>An in-memory tracker client for scheduler tests: answers by a script and records every announce with its (fake) time.</summary>
internal sealed class ScriptedTracker(Uri uri, TimeProvider time) : ITrackerClient
{
    public sealed record Call(DateTimeOffset At, AnnounceRequest Request);

    private readonly ConcurrentQueue<Call> _calls = new();

    public Uri Uri { get; } = uri;

    /// <summary>What the next announce returns or throws; defaults to a working tracker with a 100 s interval.</summary>
    public Func<AnnounceRequest, CancellationToken, Task<AnnounceResponse>> Behaviour { get; set; } = (_, _) => Task.FromResult(Answer());

    public IReadOnlyList<Call> Calls => [.. _calls];

    public IReadOnlyList<AnnounceEvent> Events => [.. _calls.Select(c => c.Request.Event)];

    public bool Disposed { get; private set; }

    public static AnnounceResponse Answer(int intervalSeconds = 100, int? minIntervalSeconds = null, params string[] peers) =>
        new(TimeSpan.FromSeconds(intervalSeconds), minIntervalSeconds is { } m ? TimeSpan.FromSeconds(m) : null,
            peers.Select(IPEndPoint.Parse).ToList(), 1, 2, null);

    public void Works(int intervalSeconds = 100, int? minIntervalSeconds = null, params string[] peers) =>
        Behaviour = (_, _) => Task.FromResult(Answer(intervalSeconds, minIntervalSeconds, peers));

    public void Fails(TrackerErrorKind kind = TrackerErrorKind.Unreachable) =>
        Behaviour = (_, _) => Task.FromException<AnnounceResponse>(new TrackerException(Uri, kind, "is down (scripted)"));

    /// <summary>Never answers: waits until cancelled.</summary>
    public void Hangs() => Behaviour = async (_, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    };

    public Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken ct)
    {
        _calls.Enqueue(new Call(time.GetUtcNow(), request));
        return Behaviour(request, ct);
    }

    public Task<ScrapeResult?> ScrapeAsync(InfoHash hash, CancellationToken ct) => Task.FromResult<ScrapeResult?>(null);

    public void Dispose() => Disposed = true;
}
