using System.Net;
using System.Text;
using Shoal.Bencoding;

namespace Shoal.Wire;

/// <summary>
/// The BEP 10 extension handshake (extended message id 0): which extensions a peer speaks and under which
/// message ids, its listen port, client name, request queue depth, our address as it sees it, and (BEP 9)
/// the size of the info dictionary.
/// </summary>
public sealed class ExtensionHandshake
{
    /// <summary>Bound on the entries of 'm' we keep from a peer.</summary>
    public const int MaxExtensions = 64;

    /// <summary>Bound on the reqq we honour, whatever a peer claims.</summary>
    public const int MaxRequestQueue = 2000;

    /// <summary>Extension name → the id the sender wants to receive it under (0 = disabled).</summary>
    public Dictionary<string, byte> Extensions { get; } = new(StringComparer.Ordinal);

    public int? ListenPort { get; init; }

    public string? ClientName { get; init; }

    public int? RequestQueueDepth { get; init; }

    public IPAddress? YourIp { get; init; }

    public int? MetadataSize { get; set; }

    /// <summary>BEP 21: the sender only uploads (a seed or partial seed).</summary>
    public bool UploadOnly { get; init; }

    public byte[] Encode()
    {
        var dict = new BDictionary();
        var m = new BDictionary();
        foreach (var (name, id) in Extensions) m.Add(name, id);
        dict.Add("m", m);
        if (MetadataSize is int size) dict.Add("metadata_size", size);
        if (ListenPort is int port) dict.Add("p", port);
        if (RequestQueueDepth is int reqq) dict.Add("reqq", reqq);
        if (UploadOnly) dict.Add("upload_only", 1);
        if (ClientName is not null) dict.Add("v", ClientName);
        if (YourIp is not null) dict.Add("yourip", new BString(YourIp.GetAddressBytes()));
        return dict.Encode();
    }

    /// <summary>Parses a peer's handshake leniently (unknown keys ignored) but with every value bounded.</summary>
    public static ExtensionHandshake Parse(ReadOnlySpan<byte> payload)
    {
        BDictionary dict;
        try
        {
            dict = BValue.Parse(payload, maxDepth: 4) as BDictionary ?? throw new WireProtocolException("extension handshake is not a dictionary");
        }
        catch (BencodeException ex)
        {
            throw new WireProtocolException($"invalid extension handshake: {ex.Reason}");
        }
        var handshake = new ExtensionHandshake
        {
            ListenPort = dict["p"] is BInteger { Value: > 0 and <= 65535 } p ? (int)p.Value : null,
            ClientName = dict["v"] is BString { Bytes.Length: <= 100 } v ? Encoding.UTF8.GetString(v.Span) : null,
            RequestQueueDepth = dict["reqq"] is BInteger { Value: > 0 } q ? (int)Math.Min(q.Value, MaxRequestQueue) : null,
            YourIp = dict["yourip"] is BString { Bytes.Length: 4 or 16 } ip ? new IPAddress(ip.Span) : null,
            MetadataSize = dict["metadata_size"] is BInteger { Value: > 0 and <= int.MaxValue } ms ? (int)ms.Value : null,
            UploadOnly = dict["upload_only"] is BInteger { Value: not 0 },
        };
        if (dict["m"] is BDictionary m)
        {
            foreach (var (name, value) in m)
            {
                if (handshake.Extensions.Count >= MaxExtensions) break;
                if (name.Bytes.Length > 64 || value is not BInteger { Value: >= 0 and <= 255 } id) continue;
                handshake.Extensions[name.Text] = (byte)id.Value;
            }
        }
        return handshake;
    }
}
