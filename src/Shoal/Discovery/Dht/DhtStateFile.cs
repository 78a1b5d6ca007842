using System.Buffers;
using System.Net.Sockets;
using Shoal.Bencoding;

namespace Shoal.Discovery.Dht;

/// <summary>
/// The node's saved state, so a restart needs no bootstrap: a bencoded dictionary with our id ("id"), and the nodes that
/// answered us in compact form ("nodes": 26 bytes each, "nodes6": 38 bytes each). Written to a temporary file and
/// renamed, so a crash never leaves half a file; read with bounds, and anything malformed is ignored (the node then
/// bootstraps from the routers).
/// </summary>
internal static class DhtStateFile
{
    private const int MaxFileLength = 512 * 1024;
    private const int MaxNodes = 8192;

    internal sealed record Snapshot(NodeId Id, IReadOnlyList<NodeContact> Nodes);

    public static void Save(string path, Snapshot snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new BencodeWriter(buffer);
        w.WriteDictionaryStart();
        w.WriteString("id"u8);
        w.WriteString(snapshot.Id.ToArray());
        w.WriteString("nodes"u8);
        w.WriteString(Compact(snapshot.Nodes, AddressFamily.InterNetwork));
        w.WriteString("nodes6"u8);
        w.WriteString(Compact(snapshot.Nodes, AddressFamily.InterNetworkV6));
        w.WriteEnd();

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temporary, buffer.WrittenSpan);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The saved state, or null when there is none or it is unreadable.</summary>
    public static Snapshot? TryLoad(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxFileLength) return null;
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return TryParse(bytes);
    }

    public static Snapshot? TryParse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            if (BValue.Parse(bytes, maxDepth: 2) is not BDictionary dict || dict.Get<BString>("id") is not { Bytes.Length: NodeId.Length } id)
                return null;
            var nodes = new List<NodeContact>();
            if (dict.Get<BString>("nodes") is { } v4 && !CompactInfo.TryReadNodes(v4.Span, AddressFamily.InterNetwork, nodes, MaxNodes)) return null;
            if (dict.Get<BString>("nodes6") is { } v6 && !CompactInfo.TryReadNodes(v6.Span, AddressFamily.InterNetworkV6, nodes, MaxNodes)) return null;
            return new Snapshot(new NodeId(id.Span), nodes);
        }
        catch (BencodeException)
        {
            return null;
        }
    }

    private static byte[] Compact(IReadOnlyList<NodeContact> nodes, AddressFamily family)
    {
        var selected = nodes.Where(n => CompactInfo.FamilyOf(n.EndPoint) == family).Take(MaxNodes).ToList();
        int entry = CompactInfo.NodeLength(family);
        var bytes = new byte[selected.Count * entry];
        for (int i = 0; i < selected.Count; i++) CompactInfo.WriteNode(selected[i], bytes.AsSpan(i * entry, entry));
        return bytes;
    }
}
