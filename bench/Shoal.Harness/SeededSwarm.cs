using Shoal.Tests.Support.Reference;

namespace Shoal.Harness;

/// <summary>
/// What every timed run starts from: a fresh opentracker (no stale peers from earlier runs), the payload's torrent
/// pointing at it, and a seeder that has checked its data and announced. Disposing stops them all.
/// </summary>
public sealed class SeededSwarm : IAsyncDisposable
{
    private SeededSwarm(OpenTrackerProcess tracker, string torrentPath, IReferencePeer seeder, ProcessSampler seederUsage)
    {
        Tracker = tracker;
        TorrentPath = torrentPath;
        Seeder = seeder;
        SeederUsage = seederUsage;
    }

    public OpenTrackerProcess Tracker { get; }

    public string TorrentPath { get; }

    public IReferencePeer Seeder { get; }

    public ProcessSampler SeederUsage { get; }

    public static async Task<SeededSwarm> StartAsync(Payload payload, string runDirectory, ITransferParticipant seederKind,
        TransferSetup seederSetup, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(runDirectory);
        var tracker = await OpenTrackerProcess.StartAsync(cancellationToken: cancellationToken);
        IReferencePeer? seeder = null;
        try
        {
            var torrent = Path.Combine(runDirectory, "payload.torrent");
            TorrentAnnounce.Rewrite(payload.TemplateTorrent, torrent, tracker.HttpAnnounceUrl);
            await tracker.AllowAsync(payload.InfoHash, cancellationToken: cancellationToken);
            seeder = await seederKind.StartAsync(TransferRole.Seed, seederSetup with { TorrentPath = torrent, DataDirectory = payload.Directory },
                cancellationToken);
            await seeder.WaitForCompletionAsync(timeout, cancellationToken);
            await tracker.WaitForSwarmAsync(payload.InfoHash, seeders: 1, leechers: 0, timeout, cancellationToken);
            var usage = new ProcessSampler(seeder.ProcessId ?? throw new InvalidOperationException($"{seeder.Name} has no process to measure"));
            return new SeededSwarm(tracker, torrent, seeder, usage);
        }
        catch
        {
            if (seeder is not null) await seeder.DisposeAsync();
            await tracker.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await SeederUsage.DisposeAsync();
        await Seeder.DisposeAsync();
        await Tracker.DisposeAsync();
    }
}
