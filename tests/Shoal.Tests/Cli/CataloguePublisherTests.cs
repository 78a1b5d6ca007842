using System.CommandLine;
using Shoal.Cli;
using Shoal.Cli.Commands;
using Shoal.Metainfo;
using Shoal.Tests.TrackerServer;
using Shoal.TrackerServer;

namespace Shoal.Tests.Cli;

/// <summary>
/// Issue 10 item 15, the publisher's side: the catalogue key goes only to trackers the user named with --tracker, never
/// to the announce URLs inside a torrent (whoever made the .torrent chose those).
/// </summary>
[Trait("Category", "Hostile")]
public class CataloguePublisherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ParseResult Parse(CataloguePublisher.Options options, params string[] args)
    {
        var command = new RootCommand();
        foreach (var option in options.All) command.Options.Add(option);
        return command.Parse(args);
    }

    [Fact]
    public async Task The_key_is_sent_to_trackers_named_with_tracker_and_not_to_the_torrents_own()
    {
        await using var named = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, Catalogue = true, CatalogueKey = "s3cret" },
            cancellationToken: Ct);
        // A tracker chosen by whoever made the torrent; it would learn the key if it were sent (it checks the same key).
        await using var foreign = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, Catalogue = true, CatalogueKey = "s3cret" },
            cancellationToken: Ct);
        var torrent = Torrent.Parse(CatalogueServerTests.MakeTorrent("keyed.bin", 31, tracker: foreign.HttpAnnounceUrl));
        var options = new CataloguePublisher.Options();
        var parse = Parse(options, "--publish", "--catalogue-key", "s3cret");

        var refused = await Assert.ThrowsAsync<UserErrorException>(() => options.StartAsync(parse, torrent, [], Ct));
        Assert.StartsWith($"cannot publish to {foreign.CatalogueUrl}: this catalogue needs a key", refused.Message);
        Assert.EndsWith("(the key is sent only to trackers named with --tracker)", refused.Message);
        Assert.Equal(0, foreign.Catalogue!.Entries.Count);

        await using (var publisher = await options.StartAsync(parse, torrent, [[named.HttpAnnounceUrl]], Ct))
            Assert.Equal([$"  catalogue {named.CatalogueUrl} (published)"], publisher!.Summary);
        Assert.Equal(1, named.Catalogue!.Entries.Count);
        Assert.Equal(0, foreign.Catalogue.Entries.Count);
    }
}
