using System.Globalization;
using System.Net;
using System.Text;
using Shoal.Metainfo;

namespace Shoal.Discovery;

/// <summary>A decoded BEP 14 announce: the sender's BitTorrent port, the torrents it is in, and its cookie.</summary>
public sealed record LsdAnnounce(int Port, IReadOnlyList<InfoHash> InfoHashes, string? Cookie);

/// <summary>
/// The BEP 14 local service discovery announce, an HTTP-like text datagram:
/// <c>BT-SEARCH * HTTP/1.1</c>, <c>Host</c> (the multicast group), <c>Port</c>, one or more <c>Infohash</c>, <c>cookie</c>.
/// </summary>
public static class LsdMessage
{
    public const int GroupPort = 6771;

    /// <summary>Announces with several info-hashes stay under this, to avoid fragmentation (BEP 14).</summary>
    public const int MaxPacketSize = 1400;

    /// <summary>Longest datagram even looked at; anything larger is not an LSD announce.</summary>
    public const int MaxReceivedSize = 1500;

    /// <summary>Info-hashes taken from one received announce.</summary>
    public const int MaxInfoHashesPerAnnounce = 20;

    /// <summary>Longest cookie accepted (ours is 16 hex digits).</summary>
    public const int MaxCookieLength = 64;

    public static IPEndPoint IPv4Group { get; } = new(IPAddress.Parse("239.192.152.143"), GroupPort);

    public static IPEndPoint IPv6Group { get; } = new(IPAddress.Parse("ff15::efc0:988f"), GroupPort);

    private const string RequestLine = "BT-SEARCH * HTTP/1.1";

    /// <summary>Announces for <paramref name="infoHashes"/> to one group, as many hashes per datagram as fit in <see cref="MaxPacketSize"/>.</summary>
    public static IReadOnlyList<byte[]> Encode(IPEndPoint group, int port, IReadOnlyList<InfoHash> infoHashes, string cookie)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (!group.Address.IsIPv6Multicast && !IsIPv4Multicast(group.Address))
            throw new ArgumentException("LSD announces go only to a multicast group", nameof(group));
        if (cookie.Length > MaxCookieLength || cookie.Any(c => c is < '!' or > '~'))
            throw new ArgumentException("the cookie must be short printable ASCII", nameof(cookie));
        string host = group.ToString(); // "239.192.152.143:6771" or "[ff15::efc0:988f]:6771" (RFC 2732)
        string head = string.Create(CultureInfo.InvariantCulture, $"{RequestLine}\r\nHost: {host}\r\nPort: {port}\r\n");
        string tail = $"cookie: {cookie}\r\n\r\n\r\n";
        var packets = new List<byte[]>();
        var body = new StringBuilder();
        int inBody = 0;
        foreach (var hash in infoHashes)
        {
            string line = $"Infohash: {hash.ToHex()}\r\n";
            bool full = inBody == MaxInfoHashesPerAnnounce || head.Length + body.Length + line.Length + tail.Length > MaxPacketSize;
            if (inBody > 0 && full)
            {
                packets.Add(Encoding.ASCII.GetBytes(head + body + tail));
                body.Clear();
                inBody = 0;
            }
            body.Append(line);
            inBody++;
        }
        if (body.Length > 0) packets.Add(Encoding.ASCII.GetBytes(head + body + tail));
        return packets;
    }

    /// <summary>Parses a datagram; false (never an exception) for anything that is not a well-formed announce.</summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LsdAnnounce? announce)
    {
        announce = null;
        if (datagram.IsEmpty || datagram.Length > MaxReceivedSize) return false;
        foreach (byte b in datagram)
            if (b > 0x7e || (b < 0x20 && b is not (byte)'\r' and not (byte)'\n' and not (byte)'\t')) return false;
        var text = Encoding.ASCII.GetString(datagram);
        var lines = text.Split('\n');
        if (lines[0].TrimEnd('\r') != RequestLine) return false;
        int? port = null;
        string? cookie = null;
        var hashes = new List<InfoHash>();
        for (int i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            int colon = line.IndexOf(':');
            if (colon <= 0) return false;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Port", StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535) return false;
                port = p;
            }
            else if (name.Equals("Infohash", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Length != 40 || !InfoHash.TryParse(value, out var hash)) return false;
                if (hashes.Count < MaxInfoHashesPerAnnounce && !hashes.Contains(hash)) hashes.Add(hash);
            }
            else if (name.Equals("cookie", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Length > MaxCookieLength) return false;
                cookie = value;
            }
            // Host and anything unknown: ignored (BEP 14 asks for forward compatibility).
        }
        if (port is null || hashes.Count == 0) return false;
        announce = new LsdAnnounce(port.Value, hashes, cookie);
        return true;
    }

    private static bool IsIPv4Multicast(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
}
