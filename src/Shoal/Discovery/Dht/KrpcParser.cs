using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Bencoding;

namespace Shoal.Discovery.Dht;

internal enum KrpcParseStatus : byte
{
    Ok,
    /// <summary>Not a KRPC message we can use or answer: dropped without a word.</summary>
    Dropped,
    /// <summary>A query with a usable transaction id whose arguments are wrong: answered with error 203.</summary>
    InvalidQuery,
}

/// <summary>
/// Reads one KRPC datagram (BEP 5, 32, 42, 43) with the strict <see cref="BencodeReader"/>: canonical bencode only,
/// at most <see cref="MaxDatagramLength"/> bytes, shallow nesting, every string and list bounded, never an exception.
/// Unknown keys are skipped (forward compatibility); known keys of the wrong type or size make the message invalid.
/// </summary>
internal static class KrpcParser
{
    /// <summary>Larger than any KRPC message needs (BEP 32: nodes send at most 1024 bytes, all fit one Ethernet frame).</summary>
    public const int MaxDatagramLength = 1500;
    public const int MaxTransactionIdLength = 16;
    public const int MaxTokenLength = 64;
    public const int MaxVersionLength = 16;
    public const int MaxMethodLength = 32;
    public const int MaxErrorMessageLength = 256;
    /// <summary>Per node list; a full datagram holds at most 57 IPv4 entries anyway.</summary>
    public const int MaxNodesPerList = 64;
    public const int MaxValues = 256;
    private const int MaxDepth = 6;

    public static KrpcParseStatus TryParse(ReadOnlySpan<byte> datagram, out KrpcMessage? message)
    {
        message = null;
        if (datagram.Length is 0 or > MaxDatagramLength || datagram[0] != (byte)'d') return KrpcParseStatus.Dropped;
        var f = new Fields();
        try
        {
            var reader = new BencodeReader(datagram, MaxDepth);
            ReadTopLevel(ref reader, ref f);
            reader.EnsureEnd();
        }
        catch (BencodeException)
        {
            return KrpcParseStatus.Dropped;
        }
        return Build(ref f, out message);
    }

    private static void ReadTopLevel(ref BencodeReader reader, ref Fields f)
    {
        reader.ReadDictionaryStart();
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("a"u8)) ReadArguments(ref reader, ref f);
            else if (key.SequenceEqual("e"u8)) ReadError(ref reader, ref f);
            else if (key.SequenceEqual("ip"u8))
            {
                if (TryString(ref reader, out var ip) && CompactInfo.TryReadEndPoint(ip, out var endPoint)) f.RequesterEndPoint = endPoint;
            }
            else if (key.SequenceEqual("q"u8))
            {
                if (TryString(ref reader, out var q)) f.Method = q.Length <= MaxMethodLength ? MethodOf(q) : KrpcMethod.Unknown;
                f.HasMethod = true;
            }
            else if (key.SequenceEqual("r"u8)) ReadResponse(ref reader, ref f);
            else if (key.SequenceEqual("ro"u8)) f.ReadOnly = TryInteger(ref reader, out long ro) && ro == 1;
            else if (key.SequenceEqual("t"u8))
            {
                if (TryString(ref reader, out var t) && t.Length is > 0 and <= MaxTransactionIdLength) f.TransactionId = t.ToArray();
            }
            else if (key.SequenceEqual("v"u8))
            {
                if (TryString(ref reader, out var v) && v.Length <= MaxVersionLength) f.Version = v.ToArray();
            }
            else if (key.SequenceEqual("y"u8))
            {
                if (TryString(ref reader, out var y) && y.Length == 1) f.Type = y[0];
            }
            else reader.SkipValue();
        }
    }

    private static void ReadArguments(ref BencodeReader reader, ref Fields f)
    {
        if (reader.Peek() != BencodeTokenType.DictionaryStart)
        {
            reader.SkipValue();
            f.BadArguments = true;
            return;
        }
        f.HasArguments = true;
        reader.ReadDictionaryStart();
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("id"u8)) f.BadArguments |= !TryId(ref reader, out f.Id, out f.HasId);
            else if (key.SequenceEqual("implied_port"u8)) f.ImpliedPort = TryInteger(ref reader, out long implied) && implied == 1;
            else if (key.SequenceEqual("info_hash"u8)) f.BadArguments |= !TryId(ref reader, out f.Target, out f.HasTarget);
            else if (key.SequenceEqual("port"u8))
            {
                if (TryInteger(ref reader, out long port) && port is >= 0 and <= ushort.MaxValue) (f.Port, f.HasPort) = ((int)port, true);
                else f.BadArguments = true;
            }
            else if (key.SequenceEqual("seed"u8)) f.Seed = TryInteger(ref reader, out long seed) && seed == 1;
            else if (key.SequenceEqual("target"u8)) f.BadArguments |= !TryId(ref reader, out f.Target, out f.HasTarget);
            else if (key.SequenceEqual("token"u8)) f.BadArguments |= !TryToken(ref reader, ref f);
            else if (key.SequenceEqual("want"u8)) ReadWant(ref reader, ref f);
            else reader.SkipValue();
        }
    }

    private static void ReadResponse(ref BencodeReader reader, ref Fields f)
    {
        if (reader.Peek() != BencodeTokenType.DictionaryStart)
        {
            reader.SkipValue();
            f.BadResponse = true;
            return;
        }
        f.HasResponse = true;
        reader.ReadDictionaryStart();
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("id"u8)) f.BadResponse |= !TryId(ref reader, out f.Id, out f.HasId);
            else if (key.SequenceEqual("nodes"u8)) f.BadResponse |= !TryNodes(ref reader, AddressFamily.InterNetwork, out f.Nodes);
            else if (key.SequenceEqual("nodes6"u8)) f.BadResponse |= !TryNodes(ref reader, AddressFamily.InterNetworkV6, out f.Nodes6);
            else if (key.SequenceEqual("token"u8)) f.BadResponse |= !TryToken(ref reader, ref f);
            else if (key.SequenceEqual("values"u8)) f.BadResponse |= !TryValues(ref reader, ref f);
            else reader.SkipValue();
        }
    }

    /// <summary>"e": [code, message]. Lenient about the shape (an error is only ever logged), bounded in size.</summary>
    private static void ReadError(ref BencodeReader reader, ref Fields f)
    {
        f.HasError = true;
        if (reader.Peek() != BencodeTokenType.ListStart)
        {
            reader.SkipValue();
            return;
        }
        reader.ReadListStart();
        for (int index = 0; !reader.TryReadEnd(); index++)
        {
            if (index == 0 && reader.Peek() == BencodeTokenType.Integer)
            {
                long code = reader.ReadInteger();
                f.ErrorCode = code is >= 0 and <= int.MaxValue ? (int)code : 0;
            }
            else if (index == 1 && reader.Peek() == BencodeTokenType.String)
            {
                var text = reader.ReadString();
                f.ErrorMessage = Encoding.UTF8.GetString(text.Length > MaxErrorMessageLength ? text[..MaxErrorMessageLength] : text);
            }
            else reader.SkipValue();
        }
    }

    private static void ReadWant(ref BencodeReader reader, ref Fields f)
    {
        if (reader.Peek() != BencodeTokenType.ListStart)
        {
            reader.SkipValue();
            return;
        }
        reader.ReadListStart();
        while (!reader.TryReadEnd())
        {
            if (!TryString(ref reader, out var item)) continue;
            if (item.SequenceEqual("n4"u8)) f.Want |= NodeFamilies.V4;
            else if (item.SequenceEqual("n6"u8)) f.Want |= NodeFamilies.V6;
        }
    }

    private static bool TryValues(ref BencodeReader reader, ref Fields f)
    {
        if (reader.Peek() != BencodeTokenType.ListStart)
        {
            reader.SkipValue();
            return false;
        }
        f.Values = [];
        reader.ReadListStart();
        while (!reader.TryReadEnd())
        {
            // BEP 32: values may mix 6- and 18-byte entries; anything else in the list is skipped.
            if (TryString(ref reader, out var value) && f.Values.Count < MaxValues
                && CompactInfo.TryReadEndPoint(value, out var peer)) f.Values.Add(peer);
        }
        return true;
    }

    private static bool TryNodes(ref BencodeReader reader, AddressFamily family, out List<NodeContact>? nodes)
    {
        nodes = null;
        if (!TryString(ref reader, out var bytes)) return false;
        nodes = [];
        return CompactInfo.TryReadNodes(bytes, family, nodes, MaxNodesPerList);
    }

    private static bool TryToken(ref BencodeReader reader, ref Fields f)
    {
        if (!TryString(ref reader, out var token) || token.Length > MaxTokenLength) return false;
        f.Token = token.ToArray();
        return true;
    }

    private static bool TryId(ref BencodeReader reader, out NodeId id, out bool present)
    {
        id = default;
        present = false;
        if (!TryString(ref reader, out var bytes) || bytes.Length != NodeId.Length) return false;
        id = new NodeId(bytes);
        present = true;
        return true;
    }

    private static bool TryString(ref BencodeReader reader, out ReadOnlySpan<byte> value)
    {
        if (reader.Peek() == BencodeTokenType.String)
        {
            value = reader.ReadString();
            return true;
        }
        reader.SkipValue();
        value = default;
        return false;
    }

    private static bool TryInteger(ref BencodeReader reader, out long value)
    {
        if (reader.Peek() == BencodeTokenType.Integer)
        {
            value = reader.ReadInteger();
            return true;
        }
        reader.SkipValue();
        value = 0;
        return false;
    }

    private static KrpcMethod MethodOf(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("ping"u8) ? KrpcMethod.Ping
        : name.SequenceEqual("find_node"u8) ? KrpcMethod.FindNode
        : name.SequenceEqual("get_peers"u8) ? KrpcMethod.GetPeers
        : name.SequenceEqual("announce_peer"u8) ? KrpcMethod.AnnouncePeer
        : KrpcMethod.Unknown;

    private static KrpcParseStatus Build(ref Fields f, out KrpcMessage? message)
    {
        message = null;
        if (f.TransactionId is not { } transactionId) return KrpcParseStatus.Dropped;
        switch (f.Type)
        {
            case (byte)'q':
                if (!f.HasMethod || !f.HasArguments || f.BadArguments || !f.HasId || !QueryArgumentsPresent(ref f))
                {
                    message = new KrpcMessage { Kind = KrpcKind.Query, TransactionId = transactionId, Version = f.Version };
                    return KrpcParseStatus.InvalidQuery;
                }
                message = new KrpcMessage
                {
                    Kind = KrpcKind.Query, TransactionId = transactionId, Method = f.Method, Id = f.Id, Target = f.Target,
                    Token = f.Method == KrpcMethod.AnnouncePeer ? f.Token : null, Port = f.Port, ImpliedPort = f.ImpliedPort,
                    Seed = f.Seed, Want = f.Want, ReadOnly = f.ReadOnly, RequesterEndPoint = f.RequesterEndPoint, Version = f.Version,
                };
                return KrpcParseStatus.Ok;
            case (byte)'r':
                if (!f.HasResponse || f.BadResponse || !f.HasId) return KrpcParseStatus.Dropped;
                message = new KrpcMessage
                {
                    Kind = KrpcKind.Response, TransactionId = transactionId, Id = f.Id, Token = f.Token, Nodes = f.Nodes,
                    Nodes6 = f.Nodes6, Values = f.Values, RequesterEndPoint = f.RequesterEndPoint, Version = f.Version,
                };
                return KrpcParseStatus.Ok;
            case (byte)'e':
                if (!f.HasError) return KrpcParseStatus.Dropped;
                message = new KrpcMessage
                {
                    Kind = KrpcKind.Error, TransactionId = transactionId, ErrorCode = f.ErrorCode, ErrorMessage = f.ErrorMessage,
                    RequesterEndPoint = f.RequesterEndPoint, Version = f.Version,
                };
                return KrpcParseStatus.Ok;
            default:
                return KrpcParseStatus.Dropped;
        }
    }

    private static bool QueryArgumentsPresent(ref Fields f) => f.Method switch
    {
        KrpcMethod.FindNode or KrpcMethod.GetPeers => f.HasTarget,
        KrpcMethod.AnnouncePeer => f.HasTarget && f.Token is not null && (f.HasPort || f.ImpliedPort),
        _ => true,
    };

    /// <summary>Everything read so far; checked against the kind once the whole dictionary is read.</summary>
    private struct Fields
    {
        public byte Type;
        public byte[]? TransactionId;
        public byte[]? Version;
        public bool HasMethod, HasArguments, BadArguments, HasResponse, BadResponse, HasError;
        public KrpcMethod Method;
        public NodeId Id, Target;
        public bool HasId, HasTarget, HasPort, ImpliedPort, Seed, ReadOnly;
        public int Port;
        public byte[]? Token;
        public NodeFamilies Want;
        public List<NodeContact>? Nodes, Nodes6;
        public List<IPEndPoint>? Values;
        public IPEndPoint? RequesterEndPoint;
        public int ErrorCode;
        public string? ErrorMessage;
    }
}
