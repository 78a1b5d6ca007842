using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Shoal.Daemon.Remote;
using Shoal.Metainfo;

namespace Shoal.Cli.Commands.Remote;

/// <summary>What every remote verb (add, list, info ID, start, stop, verify, remove, files, limits) shares: the daemon's URL and torrent ids.</summary>
internal static class RemoteOptions
{
    /// <summary>Environment variable naming the daemon's RPC URL.</summary>
    public const string UrlVariable = "SHOAL_RPC";

    public static Option<string?> Url() => new("--rpc")
    {
        Description = $"The daemon's RPC URL (default ${UrlVariable}, else {TransmissionRpcClient.DefaultUrl}); http://USER:PASSWORD@HOST:PORT/transmission/rpc when it needs a password",
        HelpName = "url",
    };

    public static TransmissionRpcClient Connect(ParseResult parse, Option<string?> url)
    {
        string text = parse.GetValue(url) ?? (Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : TransmissionRpcClient.DefaultUrl);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UserErrorException($"--rpc '{text}' is not an http:// URL (example: {TransmissionRpcClient.DefaultUrl})");
        return new TransmissionRpcClient(uri);
    }

    public static Argument<string[]> Ids(string description = "Torrent ids (numbers from shoal list), info-hashes, or 'all'") =>
        new("id") { Description = description, Arity = ArgumentArity.OneOrMore };

    /// <summary>True when <paramref name="text"/> names a torrent in the daemon rather than a file: a torrent id or an info-hash.</summary>
    public static bool IsTorrentId(string text) =>
        (text.Length <= 9 && text.All(char.IsAsciiDigit) && text.Length > 0) || InfoHash.TryParse(text, out _);

    /// <summary>The RPC "ids" for the given tokens, or null for "all".</summary>
    public static JsonNode? IdsNode(IEnumerable<string> tokens)
    {
        var ids = new JsonArray();
        foreach (var token in tokens)
        {
            if (token.Equals("all", StringComparison.OrdinalIgnoreCase)) return null;
            if (token.Length <= 9 && token.Length > 0 && token.All(char.IsAsciiDigit)) ids.Add(int.Parse(token, CultureInfo.InvariantCulture));
            else if (InfoHash.TryParse(token, out var hash)) ids.Add(hash.ToHex());
            else throw new UserErrorException($"'{token}' is not a torrent id (a number from shoal list, or an info-hash)");
        }
        return ids;
    }

    /// <summary>Parses "0,2,5-7" into file indices.</summary>
    public static IReadOnlyList<int> IndexList(string text, string option)
    {
        var indices = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', 2);
            if (!int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first) ||
                (range.Length == 2 && !int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new UserErrorException($"{option} '{text}' is not a list of file numbers (example: 0,2,5-7)");
            int last = range.Length == 2 ? int.Parse(range[1], CultureInfo.InvariantCulture) : first;
            if (last < first || last - first > 1_000_000) throw new UserErrorException($"{option}: '{part}' is not a valid range");
            for (int i = first; i <= last; i++) indices.Add(i);
        }
        return indices;
    }
}
