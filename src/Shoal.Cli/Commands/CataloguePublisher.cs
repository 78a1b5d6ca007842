using System.CommandLine;
using Shoal.Cli.Output;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands;

/// <summary>
/// <c>shoal seed --publish</c>: registers the .torrent in the catalogue of each tracker (see <see cref="CatalogueClient"/>
/// for how the catalogue URL follows from the tracker URL), then keeps it there while seeding: a tracker restarted
/// without a database forgets its catalogue, so the .torrent is published again every few minutes (an unchanged entry
/// costs the tracker one comparison). A tracker that cannot be reached is retried; one that has no catalogue or refuses
/// the key, on every tracker, is a usage error (exit code 2): --publish asked for something that cannot happen.
/// </summary>
internal sealed class CataloguePublisher : IAsyncDisposable
{
    internal static readonly TimeSpan RepublishEvery = TimeSpan.FromMinutes(5);
    internal static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(30);

    private readonly CatalogueClient _client = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private bool _withheldKey;

    private CataloguePublisher()
    {
    }

    /// <summary>One line per catalogue for the seed summary, e.g. "  catalogue http://host:9090/catalogue (published)".</summary>
    public List<string> Summary { get; } = [];

    public sealed class Options
    {
        public Option<bool> Publish { get; } = new("--publish")
        {
            Description = "List the .torrent in the tracker's catalogue (a tracker started with --catalogue), so leechers need only: shoal get --tracker URL NAME",
        };

        public Option<string?> Key { get; } = new("--catalogue-key")
        {
            Description = $"The catalogue's publishing key (default from ${TrackerCommand.CatalogueKeyVariable}); sent only to trackers named with --tracker",
            HelpName = "key",
        };

        public IEnumerable<Option> All => [Publish, Key];

        /// <summary>Fails early (before hashing) when --publish has no tracker to publish to.</summary>
        public void Validate(ParseResult parse, bool trackerOrTorrentGiven)
        {
            if (parse.GetValue(Publish) && !trackerOrTorrentGiven)
                throw new UserErrorException($"--publish needs a tracker: give --tracker URL (or set ${PeerOptions.TrackerVariable})");
        }

        /// <summary>
        /// Publishes to the catalogues of <paramref name="trackers"/> (those the user named: --tracker or $SHOAL_TRACKER),
        /// else of the torrent's own announce URLs; null without --publish. Returns once every catalogue has answered once.
        /// The key goes only to trackers the user named: a torrent's announce URLs were chosen by whoever made it.
        /// </summary>
        public async Task<CataloguePublisher?> StartAsync(ParseResult parse, Torrent torrent, IReadOnlyList<IReadOnlyList<string>> trackers,
            CancellationToken ct)
        {
            if (!parse.GetValue(Publish)) return null;
            bool named = trackers.Count > 0;
            var urls = named ? trackers.SelectMany(t => t).ToList() : [.. torrent.Trackers];
            if (urls.Count == 0) throw new UserErrorException($"--publish needs a tracker: give --tracker URL (or set ${PeerOptions.TrackerVariable})");
            var catalogues = urls.Select(CatalogueClient.CatalogueUrl).Distinct().ToList();
            string? key = parse.GetValue(Key) ?? (Environment.GetEnvironmentVariable(TrackerCommand.CatalogueKeyVariable) is { Length: > 0 } k ? k : null);
            var publisher = new CataloguePublisher { _withheldKey = !named && key is not null };
            try
            {
                await publisher.PublishAllAsync(catalogues, torrent.Encode(), named ? key : null, ct);
                return publisher;
            }
            catch
            {
                await publisher.DisposeAsync();
                throw;
            }
        }
    }

    private async Task PublishAllAsync(IReadOnlyList<Uri> catalogues, byte[] torrent, string? key, CancellationToken ct)
    {
        var answers = await Task.WhenAll(catalogues.Select(c => _client.PublishAsync(c, torrent, key, ct)));
        if (answers.All(a => a.IsFinal))
        {
            var (catalogue, answer) = catalogues.Zip(answers).First();
            throw new UserErrorException($"cannot publish to {catalogue}: {answer.Message}{WithheldHint(answer)}");
        }
        for (int i = 0; i < catalogues.Count; i++)
        {
            var (catalogue, answer) = (catalogues[i], answers[i]);
            switch (answer.Kind)
            {
                case PublishAnswerKind.Published:
                    Summary.Add($"  catalogue {catalogue} ({answer.Message})");
                    break;
                case PublishAnswerKind.Conflict:
                    Summary.Add($"  catalogue {catalogue} (lists another .torrent of the same content; leechers get that one)");
                    break;
                default:
                    CommandRunner.WriteError($"warning: not published to {catalogue}: {answer.Message}{WithheldHint(answer)}" +
                        (answer.IsFinal ? "" : $"; trying again every {RetryEvery.TotalSeconds:0} s while seeding"));
                    break;
            }
            if (!answer.IsFinal) _loops.Add(KeepPublishedAsync(catalogue, torrent, key, answer.Kind != PublishAnswerKind.Failed, _stop.Token));
        }
    }

    private string WithheldHint(PublishAnswer answer) =>
        _withheldKey && answer.Kind == PublishAnswerKind.Refused ? " (the key is sent only to trackers named with --tracker)" : "";

    /// <summary>Re-publishes periodically; says so on stderr when the catalogue starts or stops taking it.</summary>
    private async Task KeepPublishedAsync(Uri catalogue, byte[] torrent, string? key, bool listed, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(listed ? RepublishEvery : RetryEvery, ct);
                var answer = await _client.PublishAsync(catalogue, torrent, key, ct);
                bool now = answer.Kind is PublishAnswerKind.Published or PublishAnswerKind.Conflict;
                if (now && !listed) Console.Error.WriteLine($"shoal: published to {catalogue}");
                if (!now && listed) CommandRunner.WriteError($"warning: {catalogue} no longer takes the .torrent: {answer.Message}");
                listed = now;
                if (answer.IsFinal) return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
        _client.Dispose();
    }
}
