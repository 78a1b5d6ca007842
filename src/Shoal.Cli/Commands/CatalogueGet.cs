using System.Globalization;
using System.Text;
using System.Text.Json;
using Shoal.Cli.Output;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Cli.Commands;

/// <summary>
/// <c>shoal get --tracker URL [NAME]</c>: what the original program offered — a leecher that needs nothing but the tracker's
/// address. Without NAME the tracker's catalogue is listed; with one, the entry is found (exact name, else a unique
/// case-insensitive name prefix, else an info-hash prefix), its .torrent fetched, and the download goes on exactly as
/// for a .torrent file.
/// </summary>
internal static class CatalogueGet
{
    private const int NameColumnMax = 50;
    private const int ShortHashLength = 12;

    /// <summary>
    /// Whether SOURCE names a catalogue entry (or is absent: list the catalogue). A magnet link, an existing path, a name
    /// ending in .torrent or holding a folder separator is read as before; anything else needs a tracker to look it up.
    /// </summary>
    public static bool Applies(string? source, IReadOnlyList<IReadOnlyList<string>> trackers)
    {
        if (source is null) return true;
        if (TorrentSources.IsMagnet(source) || File.Exists(source) || Directory.Exists(source)) return false;
        if (source.EndsWith(".torrent", StringComparison.OrdinalIgnoreCase) || source.Contains('/') || source.Contains(Path.DirectorySeparatorChar))
            return false;
        return trackers.Count > 0;
    }

    /// <summary>Lists the catalogue (returns null) or fetches the entry <paramref name="name"/> names.</summary>
    public static async Task<Torrent?> ListOrFetchAsync(string? name, IReadOnlyList<IReadOnlyList<string>> trackers, DisplayMode mode, CancellationToken ct)
    {
        if (trackers.Count == 0)
            throw new UserErrorException($"give a .torrent file or a magnet: link, or --tracker URL (or ${PeerOptions.TrackerVariable}) to list the tracker's catalogue");
        using var client = new CatalogueClient();
        var (catalogue, trackerUrl, items) = await FirstCatalogueAsync(client, trackers, ct);
        if (name is null)
        {
            WriteListing(catalogue, trackerUrl, items, mode);
            return null;
        }
        var item = Find(items, name, catalogue, trackerUrl);
        var torrent = await client.FetchTorrentAsync(catalogue, item, ct);
        if (mode == DisplayMode.Live)
            Console.Out.WriteLine($"From the catalogue of {catalogue.GetLeftPart(UriPartial.Authority)}: {TerminalText.Safe(item.Name)} ({item.InfoHash.ToHex()})");
        return torrent;
    }

    /// <summary>The first tracker (in the order given) whose catalogue answers; its failure is reported if none does.</summary>
    private static async Task<(Uri Catalogue, string TrackerUrl, IReadOnlyList<CatalogueItem> Items)> FirstCatalogueAsync(
        CatalogueClient client, IReadOnlyList<IReadOnlyList<string>> trackers, CancellationToken ct)
    {
        UserErrorException? first = null;
        foreach (var url in trackers.SelectMany(t => t).Distinct(StringComparer.Ordinal))
        {
            var catalogue = CatalogueClient.CatalogueUrl(url);
            try
            {
                return (catalogue, url, await client.ListAsync(catalogue, ct));
            }
            catch (UserErrorException ex)
            {
                first ??= ex;
            }
        }
        throw first!;
    }

    /// <summary>Exact name; else the one entry whose name starts with it (any case); else the one whose info-hash does.</summary>
    internal static CatalogueItem Find(IReadOnlyList<CatalogueItem> items, string name, Uri catalogue, string trackerUrl)
    {
        var exact = items.Where(i => i.Name == name).ToList();
        if (exact.Count == 1) return exact[0];
        if (exact.Count > 1) throw Ambiguous(name, exact);
        var byName = items.Where(i => i.Name.StartsWith(name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (byName.Count == 1) return byName[0];
        if (byName.Count > 1) throw Ambiguous(name, byName);
        if (name.Length > 0 && name.All(char.IsAsciiHexDigit))
        {
            var byHash = items.Where(i => i.InfoHash.ToHex().StartsWith(name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (byHash.Count == 1) return byHash[0];
            if (byHash.Count > 1) throw Ambiguous(name, byHash);
        }
        throw new UserErrorException($"'{TerminalText.Safe(name)}' is not in the catalogue of {catalogue.GetLeftPart(UriPartial.Authority)} " +
            $"({items.Count} entr{(items.Count == 1 ? "y" : "ies")}; list them with: shoal get --tracker {TerminalText.Safe(trackerUrl)})");
    }

    private static UserErrorException Ambiguous(string name, IReadOnlyList<CatalogueItem> candidates)
    {
        var message = new StringBuilder($"'{TerminalText.Safe(name)}' matches {candidates.Count} catalogue entries; give the full name or more of the info-hash:");
        foreach (var line in Table(candidates)) message.Append('\n').Append(line);
        return new UserErrorException(message.ToString());
    }

    private static void WriteListing(Uri catalogue, string trackerUrl, IReadOnlyList<CatalogueItem> items, DisplayMode mode)
    {
        if (mode == DisplayMode.Json)
        {
            foreach (var item in items) Console.Out.WriteLine(Json(item));
            return;
        }
        string where = catalogue.GetLeftPart(UriPartial.Authority);
        if (items.Count == 0)
        {
            Console.Out.WriteLine($"The catalogue of {where} is empty; publish with: shoal seed PATH --tracker {TerminalText.Safe(trackerUrl)} --publish");
            return;
        }
        Console.Out.WriteLine($"Catalogue of {where}: {items.Count} torrent{(items.Count == 1 ? "" : "s")}");
        foreach (var line in Table(items.OrderBy(i => i.Name, StringComparer.OrdinalIgnoreCase).ToList())) Console.Out.WriteLine(line);
        if (mode == DisplayMode.Live) Console.Out.WriteLine($"Get one with: shoal get --tracker {TerminalText.Safe(trackerUrl)} NAME [-o DIR]");
    }

    /// <summary>Aligned rows: name, size, seeders (marked when stale), leechers, the info-hash's first 12 digits.</summary>
    internal static IEnumerable<string> Table(IReadOnlyList<CatalogueItem> items)
    {
        var names = items.Select(i => Shorten(TerminalText.Safe(i.Name))).ToList();
        int width = Math.Max(4, names.Max(n => n.Length));
        yield return $"  {"NAME".PadRight(width)}  {"SIZE",10}  {"SEEDERS",9}  {"LEECHERS",8}  INFO-HASH";
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            string seeders = item.Stale ? "0 stale" : item.Seeders.ToString(CultureInfo.InvariantCulture);
            yield return $"  {names[i].PadRight(width)}  {ByteSize.Format(item.Size),10}  {seeders,9}  {item.Leechers,8}  {item.InfoHash.ToHex()[..ShortHashLength]}";
        }
    }

    private static string Shorten(string name) => name.Length <= NameColumnMax ? name : name[..(NameColumnMax - 1)] + "…";

    private static string Json(CatalogueItem item)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("name", item.Name);
            json.WriteString("infoHash", item.InfoHash.ToHex());
            json.WriteNumber("size", item.Size);
            json.WriteNumber("files", item.Files);
            json.WriteNumber("seeders", item.Seeders);
            json.WriteNumber("leechers", item.Leechers);
            json.WriteBoolean("stale", item.Stale);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
