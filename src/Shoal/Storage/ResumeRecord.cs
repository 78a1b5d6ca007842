using System.Buffers;
using System.Security.Cryptography;
using Shoal.Bencoding;
using Shoal.Metainfo;

namespace Shoal.Storage;

/// <summary>
/// What was verified, and the state of each file at that moment, so an unchanged download can skip the recheck.
/// Format: a bencoded dictionary followed by the SHA-1 of its bytes; anything that does not check out is ignored.
/// </summary>
internal sealed class ResumeRecord(InfoHash infoHash, FileStamp[] files, Bitfield verified)
{
    // 2: stamps carry ctime and inode too (version 1 records are ignored: one full recheck).
    private const int Version = 2;
    private const int ChecksumLength = 20;

    public InfoHash InfoHash { get; } = infoHash;

    /// <summary>One stamp per torrent file (padding files included, stamped <see cref="FileStamp.Missing"/>).</summary>
    public FileStamp[] Files { get; } = files;

    public Bitfield Verified { get; } = verified;

    /// <summary>Largest record a torrent can have; a bigger file is not read at all.</summary>
    public static long MaxLength(TorrentInfo info) => 1024 + Bitfield.WireLengthFor(info.PieceCount) + 96L * info.Files.Count;

    public byte[] Serialize()
    {
        var body = new ArrayBufferWriter<byte>(256 + Verified.WireLength + Files.Length * 32);
        var writer = new BencodeWriter(body);
        writer.WriteDictionaryStart();
        writer.WriteString("bitfield"u8);
        writer.WriteString(Verified.WireBytes);
        writer.WriteString("files"u8);
        writer.WriteListStart();
        foreach (var stamp in Files)
        {
            writer.WriteListStart();
            writer.WriteInteger(stamp.Size);
            writer.WriteInteger(stamp.ModifiedTicks);
            writer.WriteInteger(stamp.ChangedTicks);
            writer.WriteInteger(stamp.Inode);
            writer.WriteEnd();
        }
        writer.WriteEnd();
        writer.WriteString("info-hash"u8);
        writer.WriteString(InfoHash.Span);
        writer.WriteString("pieces"u8);
        writer.WriteInteger(Verified.Count);
        writer.WriteString("version"u8);
        writer.WriteInteger(Version);
        writer.WriteEnd();

        var bytes = new byte[body.WrittenCount + ChecksumLength];
        body.WrittenSpan.CopyTo(bytes);
        SHA1.HashData(body.WrittenSpan, bytes.AsSpan(body.WrittenCount));
        return bytes;
    }

    /// <summary>The record in <paramref name="bytes"/> if it is intact and belongs to <paramref name="info"/>; else null.</summary>
    public static ResumeRecord? TryParse(ReadOnlySpan<byte> bytes, TorrentInfo info)
    {
        if (bytes.Length <= ChecksumLength || bytes.Length > MaxLength(info)) return null;
        var body = bytes[..^ChecksumLength];
        Span<byte> hash = stackalloc byte[ChecksumLength];
        SHA1.HashData(body, hash);
        if (!hash.SequenceEqual(bytes[^ChecksumLength..])) return null;
        try
        {
            return ParseBody(body, info);
        }
        catch (BencodeException)
        {
            return null;
        }
    }

    private static ResumeRecord? ParseBody(ReadOnlySpan<byte> body, TorrentInfo info)
    {
        var reader = new BencodeReader(body, maxDepth: 4);
        if (reader.Peek() != BencodeTokenType.DictionaryStart) return null;
        reader.ReadDictionaryStart();
        Bitfield? verified = null;
        FileStamp[]? files = null;
        bool hashMatches = false, versionMatches = false;
        while (!reader.TryReadEnd())
        {
            var key = reader.ReadString();
            if (key.SequenceEqual("bitfield"u8))
            {
                if (reader.Peek() != BencodeTokenType.String || !Bitfield.TryFromWire(reader.ReadString(), info.PieceCount, out verified)) return null;
            }
            else if (key.SequenceEqual("files"u8))
            {
                files = ReadStamps(ref reader, info.Files.Count);
                if (files is null) return null;
            }
            else if (key.SequenceEqual("info-hash"u8))
            {
                hashMatches = reader.Peek() == BencodeTokenType.String && reader.ReadString().SequenceEqual(info.InfoHash.Span);
            }
            else if (key.SequenceEqual("version"u8))
            {
                versionMatches = reader.Peek() == BencodeTokenType.Integer && reader.ReadInteger() == Version;
            }
            else reader.SkipValue();
        }
        reader.EnsureEnd();
        if (!hashMatches || !versionMatches || verified is null || files is null) return null;
        return new ResumeRecord(info.InfoHash, files, verified);
    }

    private static FileStamp[]? ReadStamps(ref BencodeReader reader, int expected)
    {
        if (reader.Peek() != BencodeTokenType.ListStart) return null;
        reader.ReadListStart();
        var stamps = new FileStamp[expected];
        Span<long> values = stackalloc long[4]; // size, mtime, ctime, inode
        int count = 0;
        while (!reader.TryReadEnd())
        {
            if (count == expected || reader.Peek() != BencodeTokenType.ListStart) return null;
            reader.ReadListStart();
            for (int i = 0; i < values.Length; i++)
            {
                if (reader.Peek() != BencodeTokenType.Integer) return null;
                values[i] = reader.ReadInteger();
            }
            if (!reader.TryReadEnd()) return null;
            stamps[count++] = new FileStamp(values[0], values[1], values[2], values[3]);
        }
        return count == expected ? stamps : null;
    }
}
