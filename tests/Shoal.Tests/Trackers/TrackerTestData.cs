using System.Text;
using Shoal.Metainfo;
using Shoal.Trackers;

namespace Shoal.Tests.Trackers;

internal static class TrackerTestData
{
    /// <summary>An info-hash holding every awkward byte class: controls, '%', '&amp;', '=', '+', space, high bytes.</summary>
    public static readonly InfoHash AwkwardHash = new([0x00, 0x01, 0x25, 0x26, 0x3D, 0x2B, 0x20, 0x7E, 0x2D, 0x41, 0x7A, 0x80, 0xFF, 0x3F, 0x23, 0x2F, 0x0A, 0x30, 0x5F, 0x2E]);

    public static readonly byte[] PeerId = Encoding.ASCII.GetBytes("-SH0001-abcdefghijkl");

    public static AnnounceRequest Request(AnnounceEvent ev = AnnounceEvent.Started, InfoHash? hash = null, int port = 6881, long left = 1000,
        string? ip = null, uint key = 0xDEADBEEF, int numWant = 50) =>
        new(hash ?? AwkwardHash, PeerId, port, Uploaded: 11, Downloaded: 22, left, ev, numWant, ip, key);

    /// <summary>Decodes one percent-encoded query value into raw bytes (the inverse the test trusts, written independently).</summary>
    public static byte[] PercentDecode(string value)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '%')
            {
                bytes.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)value[i]);
            }
        }
        return [.. bytes];
    }

    /// <summary>The query of a URL as (name, raw value) pairs, in order.</summary>
    public static List<(string Name, string Value)> QueryPairs(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (p[0], p.Length > 1 ? p[1] : ""))
            .ToList();

    public static string Value(Uri uri, string name) => QueryPairs(uri).Single(p => p.Name == name).Value;

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);
}
