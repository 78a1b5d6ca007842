using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Shoal.Bencoding;

namespace Shoal.Discovery.Dht;

/// <summary>
/// Writes a <see cref="KrpcMessage"/> as canonical bencode (keys in byte order, as <see cref="KrpcParser"/> demands
/// of others). Only the fields that belong to the message's kind and method are written.
/// </summary>
internal static class KrpcWriter
{
    /// <summary>The <c>"v"</c> Shoal sends: client "SH", version 0.1 (like the peer id prefix -SH0100-).</summary>
    public static readonly byte[] ShoalVersion = [(byte)'S', (byte)'H', 0, 1];

    public static void Write(KrpcMessage message, IBufferWriter<byte> output)
    {
        var w = new BencodeWriter(output);
        w.WriteDictionaryStart();
        if (message.Kind == KrpcKind.Query) WriteArguments(message, w);
        if (message.Kind == KrpcKind.Error)
        {
            Key(w, "e"u8);
            w.WriteListStart();
            w.WriteInteger(message.ErrorCode);
            w.WriteString(message.ErrorMessage ?? "");
            w.WriteEnd();
        }
        if (message.RequesterEndPoint is { } requester && message.Kind != KrpcKind.Query)
        {
            Key(w, "ip"u8);
            Span<byte> compact = stackalloc byte[CompactInfo.PeerV6Length];
            w.WriteString(compact[..CompactInfo.WriteEndPoint(requester, compact)]);
        }
        if (message.Kind == KrpcKind.Query)
        {
            Key(w, "q"u8);
            w.WriteString(MethodName(message.Method));
        }
        if (message.Kind == KrpcKind.Response) WriteResponse(message, w);
        if (message.Kind == KrpcKind.Query && message.ReadOnly)
        {
            Key(w, "ro"u8);
            w.WriteInteger(1);
        }
        Key(w, "t"u8);
        w.WriteString(message.TransactionId);
        if (message.Version is { } version)
        {
            Key(w, "v"u8);
            w.WriteString(version);
        }
        Key(w, "y"u8);
        w.WriteString(message.Kind switch { KrpcKind.Query => "q"u8, KrpcKind.Response => "r"u8, _ => "e"u8 });
        w.WriteEnd();
    }

    public static byte[] ToArray(KrpcMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static ReadOnlySpan<byte> MethodName(KrpcMethod method) => method switch
    {
        KrpcMethod.Ping => "ping"u8,
        KrpcMethod.FindNode => "find_node"u8,
        KrpcMethod.GetPeers => "get_peers"u8,
        KrpcMethod.AnnouncePeer => "announce_peer"u8,
        _ => throw new ArgumentException("an unknown method cannot be sent", nameof(method)),
    };

    private static void WriteArguments(KrpcMessage m, BencodeWriter w)
    {
        Key(w, "a"u8);
        w.WriteDictionaryStart();
        Key(w, "id"u8);
        WriteId(w, m.Id);
        bool announce = m.Method == KrpcMethod.AnnouncePeer;
        if (announce && m.ImpliedPort)
        {
            Key(w, "implied_port"u8);
            w.WriteInteger(1);
        }
        if (m.Method is KrpcMethod.GetPeers or KrpcMethod.AnnouncePeer)
        {
            Key(w, "info_hash"u8);
            WriteId(w, m.Target);
        }
        if (announce)
        {
            Key(w, "port"u8);
            w.WriteInteger(m.Port);
            if (m.Seed)
            {
                Key(w, "seed"u8);
                w.WriteInteger(1);
            }
        }
        if (m.Method == KrpcMethod.FindNode)
        {
            Key(w, "target"u8);
            WriteId(w, m.Target);
        }
        if (announce)
        {
            Key(w, "token"u8);
            w.WriteString(m.Token ?? throw new ArgumentException("announce_peer needs a token", nameof(m)));
        }
        if (m.Method is KrpcMethod.FindNode or KrpcMethod.GetPeers && m.Want != NodeFamilies.Default)
        {
            Key(w, "want"u8);
            w.WriteListStart();
            if ((m.Want & NodeFamilies.V4) != 0) w.WriteString("n4"u8);
            if ((m.Want & NodeFamilies.V6) != 0) w.WriteString("n6"u8);
            w.WriteEnd();
        }
        w.WriteEnd();
    }

    private static void WriteResponse(KrpcMessage m, BencodeWriter w)
    {
        Key(w, "r"u8);
        w.WriteDictionaryStart();
        Key(w, "id"u8);
        WriteId(w, m.Id);
        if (m.Nodes is { } nodes)
        {
            Key(w, "nodes"u8);
            WriteNodes(w, nodes, AddressFamily.InterNetwork);
        }
        if (m.Nodes6 is { } nodes6)
        {
            Key(w, "nodes6"u8);
            WriteNodes(w, nodes6, AddressFamily.InterNetworkV6);
        }
        if (m.Token is { } token)
        {
            Key(w, "token"u8);
            w.WriteString(token);
        }
        if (m.Values is { } values)
        {
            Key(w, "values"u8);
            w.WriteListStart();
            Span<byte> compact = stackalloc byte[CompactInfo.PeerV6Length];
            foreach (var peer in values) w.WriteString(compact[..CompactInfo.WriteEndPoint(peer, compact)]);
            w.WriteEnd();
        }
        w.WriteEnd();
    }

    private static void WriteNodes(BencodeWriter w, IReadOnlyList<NodeContact> nodes, AddressFamily family)
    {
        int entry = CompactInfo.NodeLength(family);
        Span<byte> bytes = nodes.Count * entry <= 1024 ? stackalloc byte[nodes.Count * entry] : new byte[nodes.Count * entry];
        for (int i = 0; i < nodes.Count; i++)
        {
            if (CompactInfo.FamilyOf(nodes[i].EndPoint) != family)
                throw new ArgumentException($"a {family} node list cannot hold {nodes[i].EndPoint}", nameof(nodes));
            CompactInfo.WriteNode(nodes[i], bytes.Slice(i * entry, entry));
        }
        w.WriteString(bytes);
    }

    private static void WriteId(BencodeWriter w, NodeId id)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Length];
        id.CopyTo(bytes);
        w.WriteString(bytes);
    }

    private static void Key(BencodeWriter w, ReadOnlySpan<byte> key) => w.WriteString(key);

    /// <summary>Bytes the "values" entry of one peer takes: "6:" + 6 or "18:" + 18.</summary>
    public static int ValueLength(IPEndPoint peer) =>
        CompactInfo.FamilyOf(peer) == AddressFamily.InterNetworkV6 ? 3 + CompactInfo.PeerV6Length : 2 + CompactInfo.PeerV4Length;

    /// <summary>Bytes "6:valuesl" … "e" adds around the entries.</summary>
    public const int ValuesOverhead = 10;
}
