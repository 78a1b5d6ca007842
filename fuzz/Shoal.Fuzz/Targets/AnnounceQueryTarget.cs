using System.Text;
using Shoal.Metainfo;
using Shoal.TrackerServer.Http;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// The tracker's HTTP query parsers (<see cref="AnnounceQuery"/>, <see cref="ScrapeQuery"/>): they never throw, they
/// either fill the request or return a failure reason; what they accept obeys their bounds.
/// </summary>
internal sealed class AnnounceQueryTarget : FuzzTarget
{
    private readonly List<InfoHash> _hashes = [];

    public override string Name => "announce-query";

    public override string Description => "AnnounceQuery.TryParse / ScrapeQuery.TryParse (tracker server): never throw";

    public override bool Run(byte[] data)
    {
        var query = Encoding.UTF8.GetString(data);
        var error = AnnounceQuery.TryParse(query, out var announce);
        if (error is null && announce.Port == 0) throw new InvariantViolation("announce-query: accepted port 0");
        if (error is null && announce.NumWant < -1) throw new InvariantViolation("announce-query: negative numwant kept");
        bool accepted = error is null;

        error = ScrapeQuery.TryParse(query, _hashes);
        if (error is null && _hashes.Count is 0 or > ScrapeQuery.MaxHashes)
            throw new InvariantViolation($"announce-query: scrape accepted {_hashes.Count} hashes");
        return accepted || error is null;
    }
}
