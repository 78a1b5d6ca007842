using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Trackers;

namespace Shoal.Tests.Trackers;

/// <summary>An AnnounceScheduler over scripted trackers and a fake clock, with a way to wait until it has nothing left to do now.</summary>
internal sealed class SchedulerRig : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public SchedulerRig(string[][] tiers, TrackerClientOptions? options = null, int seed = 1, Func<AnnounceRequest>? requestFactory = null)
    {
        foreach (var url in tiers.SelectMany(t => t).Distinct())
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri)) Trackers[url] = new ScriptedTracker(uri, Time);
        Scheduler = new AnnounceScheduler(tiers, requestFactory ?? (() => TrackerTestData.Request(AnnounceEvent.None, left: Left, key: 0)),
            options ?? new TrackerClientOptions(), Time, log: null,
            clientFactory: uri =>
            {
                ClientsCreated++;
                return Trackers[uri.OriginalString];
            },
            random: new Random(seed));
        Scheduler.PeersDiscovered += peers => { lock (Discovered) Discovered.AddRange(peers); };
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public Dictionary<string, ScriptedTracker> Trackers { get; } = [];

    public AnnounceScheduler Scheduler { get; }

    public List<IPEndPoint> Discovered { get; } = [];

    public long Left { get; set; } = 1000;

    public int ClientsCreated { get; private set; }

    public ScriptedTracker this[string url] => Trackers[url];

    public TimeSpan Elapsed => Time.GetUtcNow() - Start;

    /// <summary>The next announce time of the tier <paramref name="url"/> leads, relative to now.</summary>
    public TimeSpan NextIn(string url) => Scheduler.Status.Single(s => s.Url == url).NextAnnounce!.Value - Time.GetUtcNow();

    public IReadOnlyList<string> Order(int tier) => Scheduler.Status.Where(s => s.Tier == tier).Select(s => s.Url).ToList();

    public async Task StartAsync()
    {
        Scheduler.Start();
        await SettleAsync();
    }

    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await SettleAsync();
    }

    public Task AdvanceAsync(double seconds) => AdvanceAsync(TimeSpan.FromSeconds(seconds));

    /// <summary>Waits (in real time, bounded) until every tier sleeps until a time still ahead of the fake clock.</summary>
    public async Task SettleAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Scheduler.IsIdle)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the scheduler never settled");
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var dispose = Scheduler.DisposeAsync().AsTask();
        // A stop that waits on a hanging tracker finishes once its (fake) deadline passes.
        for (int i = 0; i < 2000 && !dispose.IsCompleted; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(dispose, Task.Delay(5));
        }
        await dispose;
    }
}
