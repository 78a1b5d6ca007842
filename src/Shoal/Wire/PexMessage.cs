using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Shoal.Bencoding;

namespace Shoal.Wire;

/// <summary>BEP 11 flags describing an added peer.</summary>
[Flags]
public enum PexFlags : byte
{
    None = 0,
    PrefersEncryption = 0x01,
    /// <summary>A seed or upload-only peer.</summary>
    Seed = 0x02,
    SupportsUtp = 0x04,
    SupportsHolepunch = 0x08,
    /// <summary>We connected out to it: it accepts connections.</summary>
    Reachable = 0x10,
}

public readonly record struct PexPeer(IPEndPoint EndPoint, PexFlags Flags = PexFlags.None);

/// <summary>
/// A BEP 11 <c>ut_pex</c> message: peers the sender connected to (<c>added</c>/<c>added6</c> in compact form, with one
/// flag byte each in <c>added.f</c>/<c>added6.f</c>) and peers it disconnected from (<c>dropped</c>/<c>dropped6</c>).
/// </summary>
public sealed class PexMessage
{
    public const string ExtensionName = "ut_pex";

    /// <summary>BEP 11: after the first message, at most 50 added and 50 dropped contacts per message.</summary>
    public const int MaxPerMessage = 50;

    private const int V4Length = 6, V6Length = 18;

    public PexMessage(IEnumerable<PexPeer>? added = null, IEnumerable<IPEndPoint>? dropped = null)
    {
        Added = added?.ToList() ?? [];
        Dropped = dropped?.ToList() ?? [];
    }

    public IReadOnlyList<PexPeer> Added { get; }

    public IReadOnlyList<IPEndPoint> Dropped { get; }

    public byte[] Encode()
    {
        var v4 = Added.Where(p => p.EndPoint.AddressFamily == AddressFamily.InterNetwork).ToList();
        var v6 = Added.Where(p => p.EndPoint.AddressFamily == AddressFamily.InterNetworkV6).ToList();
        var dict = new BDictionary();
        dict.Add("added", new BString(Compact(v4.Select(p => p.EndPoint), V4Length)));
        dict.Add("added.f", new BString(v4.Select(p => (byte)p.Flags).ToArray()));
        dict.Add("added6", new BString(Compact(v6.Select(p => p.EndPoint), V6Length)));
        dict.Add("added6.f", new BString(v6.Select(p => (byte)p.Flags).ToArray()));
        dict.Add("dropped", new BString(Compact(Dropped.Where(e => e.AddressFamily == AddressFamily.InterNetwork), V4Length)));
        dict.Add("dropped6", new BString(Compact(Dropped.Where(e => e.AddressFamily == AddressFamily.InterNetworkV6), V6Length)));
        return dict.Encode();
    }

    /// <summary>
    /// Parses a message, keeping at most <paramref name="maxEntries"/> added and as many dropped contacts (the rest are
    /// ignored, never buffered). Unknown keys are ignored; flags whose length does not match their list are ignored.
    /// Throws <see cref="WireProtocolException"/> for bad bencode or a contact list that is not whole entries.
    /// </summary>
    public static PexMessage Parse(ReadOnlySpan<byte> payload, int maxEntries = 200)
    {
        BDictionary dict;
        try
        {
            dict = BValue.Parse(payload, maxDepth: 2) as BDictionary ?? throw new WireProtocolException("ut_pex message is not a dictionary");
        }
        catch (BencodeException ex)
        {
            throw new WireProtocolException($"invalid ut_pex message: {ex.Reason}");
        }
        var added = new List<PexPeer>();
        ReadAdded(dict, "added", "added.f", V4Length, added, maxEntries);
        ReadAdded(dict, "added6", "added6.f", V6Length, added, maxEntries);
        var dropped = new List<IPEndPoint>();
        foreach (var (endPoint, _) in Contacts(dict, "dropped", V4Length, maxEntries)) dropped.Add(endPoint);
        foreach (var (endPoint, _) in Contacts(dict, "dropped6", V6Length, maxEntries - dropped.Count)) dropped.Add(endPoint);
        return new PexMessage(added, dropped);
    }

    private static void ReadAdded(BDictionary dict, string key, string flagsKey, int entryLength, List<PexPeer> into, int maxEntries)
    {
        var contacts = Contacts(dict, key, entryLength, maxEntries - into.Count);
        if (contacts.Count == 0) return;
        var flags = dict[flagsKey] as BString;
        bool flagsFit = flags is not null && flags.Bytes.Length == ((BString)dict[key]!).Bytes.Length / entryLength;
        foreach (var (endPoint, index) in contacts)
            into.Add(new PexPeer(endPoint, flagsFit ? (PexFlags)flags!.Span[index] : PexFlags.None));
    }

    private static List<(IPEndPoint EndPoint, int Index)> Contacts(BDictionary dict, string key, int entryLength, int limit)
    {
        var result = new List<(IPEndPoint, int)>();
        if (dict[key] is not { } value) return result;
        if (value is not BString s) throw new WireProtocolException($"ut_pex '{key}' is not a byte string");
        var bytes = s.Span;
        if (bytes.Length % entryLength != 0) throw new WireProtocolException($"ut_pex '{key}' is {bytes.Length} bytes, not whole {entryLength}-byte entries");
        int count = bytes.Length / entryLength;
        for (int i = 0; i < count && result.Count < limit; i++)
        {
            var entry = bytes.Slice(i * entryLength, entryLength);
            int port = BinaryPrimitives.ReadUInt16BigEndian(entry[^2..]);
            if (port == 0) continue;
            result.Add((new IPEndPoint(new IPAddress(entry[..^2]), port), i));
        }
        return result;
    }

    private static byte[] Compact(IEnumerable<IPEndPoint> endPoints, int entryLength)
    {
        var list = endPoints.ToList();
        var bytes = new byte[list.Count * entryLength];
        for (int i = 0; i < list.Count; i++)
        {
            var entry = bytes.AsSpan(i * entryLength, entryLength);
            list[i].Address.TryWriteBytes(entry, out _);
            BinaryPrimitives.WriteUInt16BigEndian(entry[^2..], (ushort)list[i].Port);
        }
        return bytes;
    }
}
