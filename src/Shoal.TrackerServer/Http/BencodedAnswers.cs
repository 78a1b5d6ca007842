using System.Buffers;
using System.Net;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;
using Shoal.Wire;

namespace Shoal.TrackerServer.Http;

/// <summary>The bencoded bodies the HTTP tracker sends. Dictionary keys are written in byte order, as bencode requires.</summary>
internal static class BencodedAnswers
{
    public static void WriteFailure(IBufferWriter<byte> output, string reason)
    {
        var writer = new BencodeWriter(output);
        writer.WriteDictionaryStart();
        writer.WriteString("failure reason"u8);
        writer.WriteString(reason);
        writer.WriteEnd();
    }

    /// <summary>An accepted announce; non-compact answers name each peer's id only when the selection carries ids.</summary>
    public static void WriteAnnounce(IBufferWriter<byte> output, in AnnounceOutcome result, PeerSelection peers, bool compact,
        int intervalSeconds, int minIntervalSeconds)
    {
        var writer = new BencodeWriter(output);
        writer.WriteDictionaryStart();
        writer.WriteString("complete"u8);
        writer.WriteInteger(result.Seeders);
        writer.WriteString("downloaded"u8);
        writer.WriteInteger(result.Downloaded);
        writer.WriteString("incomplete"u8);
        writer.WriteInteger(result.Leechers);
        writer.WriteString("interval"u8);
        writer.WriteInteger(intervalSeconds);
        writer.WriteString("min interval"u8);
        writer.WriteInteger(minIntervalSeconds);
        writer.WriteString("peers"u8);
        if (compact)
        {
            writer.WriteString(peers.Compact4);
            if (peers.Count6 > 0)
            {
                writer.WriteString("peers6"u8);
                writer.WriteString(peers.Compact6);
            }
        }
        else
        {
            writer.WriteListStart();
            WritePeerDictionaries(writer, peers.Compact4, peers.Ids4, PeerEndpoint.CompactV4Length);
            WritePeerDictionaries(writer, peers.Compact6, peers.Ids6, PeerEndpoint.CompactV6Length);
            writer.WriteEnd();
        }
        writer.WriteEnd();
    }

    // BEP 3's original form: a list of {ip, peer id, port} dictionaries.
    private static void WritePeerDictionaries(BencodeWriter writer, ReadOnlySpan<byte> compact, ReadOnlySpan<byte> ids, int size)
    {
        int count = compact.Length / size;
        for (int i = 0; i < count; i++)
        {
            var entry = compact.Slice(i * size, size);
            writer.WriteDictionaryStart();
            writer.WriteString("ip"u8);
            writer.WriteString(new IPAddress(entry[..^2]).ToString());
            if (ids.Length >= (i + 1) * PeerId.Length)
            {
                writer.WriteString("peer id"u8);
                writer.WriteString(ids.Slice(i * PeerId.Length, PeerId.Length));
            }
            writer.WriteString("port"u8);
            writer.WriteInteger(entry[^2] << 8 | entry[^1]);
            writer.WriteEnd();
        }
    }

    /// <summary>BEP 48: files keyed by the raw info-hash; <paramref name="hashes"/> must be sorted and distinct.</summary>
    public static void WriteScrape(IBufferWriter<byte> output, IReadOnlyList<InfoHash> hashes, IReadOnlyList<ScrapeCounts> counts)
    {
        var writer = new BencodeWriter(output);
        writer.WriteDictionaryStart();
        writer.WriteString("files"u8);
        writer.WriteDictionaryStart();
        for (int i = 0; i < hashes.Count; i++)
        {
            writer.WriteString(hashes[i].Span);
            writer.WriteDictionaryStart();
            writer.WriteString("complete"u8);
            writer.WriteInteger(counts[i].Seeders);
            writer.WriteString("downloaded"u8);
            writer.WriteInteger(counts[i].Downloaded);
            writer.WriteString("incomplete"u8);
            writer.WriteInteger(counts[i].Leechers);
            writer.WriteEnd();
        }
        writer.WriteEnd();
        writer.WriteEnd();
    }
}
