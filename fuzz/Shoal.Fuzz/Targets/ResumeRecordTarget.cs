using System.Security.Cryptography;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// <see cref="ResumeRecord.TryParse"/> (a resume file a crash or a disk error may have mangled): never throws; returns
/// null or a record that fits the torrent and serializes back to a record that parses. The harness appends the SHA-1
/// trailer itself, so the fuzzer spends its time on the body rather than on guessing checksums.
/// </summary>
internal sealed class ResumeRecordTarget : FuzzTarget
{
    // Three files (one padding) over five 16 KiB pieces: enough shape for the bitfield and the file stamps.
    private static readonly TorrentInfo Info = TorrentInfo.Create("fuzz", TorrentInfo.MinPieceLength, new byte[5 * TorrentInfo.HashLength],
        [(["a.bin"], 30_000L, false), ([".pad", "2768"], 2768L, true), (["b", "c.bin"], 40_000L, false)], multiFile: true);

    public override string Name => "resume";

    public override string Description => "ResumeRecord.TryParse (body + harness-made SHA-1): never throws; accepted records fit the torrent";

    public override bool Run(byte[] data)
    {
        var bytes = new byte[data.Length + SHA1.HashSizeInBytes];
        data.CopyTo(bytes, 0);
        SHA1.HashData(data, bytes.AsSpan(data.Length));
        var record = ResumeRecord.TryParse(bytes, Info);
        if (record is null) return false;
        if (record.Files.Length != Info.Files.Count || record.Verified.Count != Info.PieceCount)
            throw new InvariantViolation("resume: accepted a record that does not fit the torrent");
        if (ResumeRecord.TryParse(record.Serialize(), Info) is null)
            throw new InvariantViolation("resume: a serialized record does not parse back");
        return true;
    }
}
