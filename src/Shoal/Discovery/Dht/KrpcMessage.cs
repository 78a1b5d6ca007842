using System.Net;

namespace Shoal.Discovery.Dht;

/// <summary>The three KRPC message types (BEP 5 "y": q, r, e).</summary>
internal enum KrpcKind : byte
{
    Query,
    Response,
    Error,
}

/// <summary>The BEP 5 queries; anything else arrives as <see cref="Unknown"/> and is answered with error 204.</summary>
internal enum KrpcMethod : byte
{
    Unknown,
    Ping,
    FindNode,
    GetPeers,
    AnnouncePeer,
}

/// <summary>BEP 32 "want": which node lists a find_node/get_peers reply should carry.</summary>
[Flags]
internal enum NodeFamilies : byte
{
    /// <summary>No "want" key: the reply carries the list of the family the query came over.</summary>
    Default = 0,
    V4 = 1,
    V6 = 2,
}

/// <summary>
/// One KRPC message (BEP 5, with BEP 32 "want"/"nodes6", BEP 42 "ip" and BEP 43 "ro"). Parsed by
/// <see cref="KrpcParser"/> (strict, bounded) and written by <see cref="KrpcWriter"/>; one shape for all three kinds,
/// each using the fields its kind and method define.
/// </summary>
internal sealed record KrpcMessage
{
    /// <summary>Error codes of BEP 5.</summary>
    public const int GenericError = 201, ServerError = 202, ProtocolError = 203, MethodUnknown = 204;

    public KrpcKind Kind { get; init; }

    /// <summary>"t": chosen by the querying node and echoed back, 1 to <see cref="KrpcParser.MaxTransactionIdLength"/> bytes.</summary>
    public byte[] TransactionId { get; init; } = [];

    /// <summary>Queries: the method ("q").</summary>
    public KrpcMethod Method { get; init; }

    /// <summary>Queries and responses: the sender's node id ("a"/"r" → "id").</summary>
    public NodeId Id { get; init; }

    /// <summary>find_node: "target"; get_peers and announce_peer: "info_hash".</summary>
    public NodeId Target { get; init; }

    /// <summary>get_peers responses and announce_peer queries: the write token.</summary>
    public byte[]? Token { get; init; }

    /// <summary>announce_peer: "port" (0..65535).</summary>
    public int Port { get; init; }

    /// <summary>announce_peer: "implied_port" = 1, use the UDP source port instead of <see cref="Port"/>.</summary>
    public bool ImpliedPort { get; init; }

    /// <summary>announce_peer: "seed" = 1 (BEP 33), the announcing peer is a seed.</summary>
    public bool Seed { get; init; }

    /// <summary>find_node/get_peers: BEP 32 "want".</summary>
    public NodeFamilies Want { get; init; }

    /// <summary>Queries: BEP 43 "ro" = 1, the sender is read-only and must not enter routing tables.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Responses: "nodes" (IPv4, 26 bytes each).</summary>
    public IReadOnlyList<NodeContact>? Nodes { get; init; }

    /// <summary>Responses: "nodes6" (IPv6, 38 bytes each, BEP 32).</summary>
    public IReadOnlyList<NodeContact>? Nodes6 { get; init; }

    /// <summary>get_peers responses: "values", compact peers (6 or 18 bytes each).</summary>
    public IReadOnlyList<IPEndPoint>? Values { get; init; }

    /// <summary>BEP 42 top-level "ip": the address and port the responder saw our message come from.</summary>
    public IPEndPoint? RequesterEndPoint { get; init; }

    /// <summary>Errors: the code of "e".</summary>
    public int ErrorCode { get; init; }

    /// <summary>Errors: the message of "e".</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>"v": the sender's client and version (BEP 20 style, 4 bytes by convention).</summary>
    public byte[]? Version { get; init; }

    public override string ToString() => Kind switch
    {
        KrpcKind.Query => $"query {Method} from {Id}",
        KrpcKind.Response => $"response from {Id}",
        _ => $"error {ErrorCode} {ErrorMessage}",
    };
}
