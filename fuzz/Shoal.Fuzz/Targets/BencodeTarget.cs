using Shoal.Bencoding;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// <see cref="BValue.Parse"/> and <see cref="BencodeReader"/>: only <see cref="BencodeException"/>. The reader is strict
/// (canonical encoding only), so anything it accepts must re-encode to the very same bytes, and the tree parser and the
/// skipping reader must agree on what is valid.
/// </summary>
internal sealed class BencodeTarget : FuzzTarget
{
    public override string Name => "bencode";

    public override string Description => "BValue.Parse / BencodeReader.SkipValue: BencodeException only; accepted input re-encodes identically";

    public override bool Run(byte[] data)
    {
        bool treeAccepted;
        try
        {
            var value = BValue.Parse(data);
            if (!value.Encode().AsSpan().SequenceEqual(data))
                throw new InvariantViolation("bencode: re-encoding an accepted value changed its bytes");
            treeAccepted = true;
        }
        catch (BencodeException)
        {
            treeAccepted = false;
        }

        bool readerAccepted;
        try
        {
            var reader = new BencodeReader(data);
            reader.SkipValue();
            reader.EnsureEnd();
            readerAccepted = true;
        }
        catch (BencodeException)
        {
            readerAccepted = false;
        }

        if (treeAccepted != readerAccepted)
            throw new InvariantViolation($"bencode: BValue.Parse {(treeAccepted ? "accepted" : "rejected")} what SkipValue {(readerAccepted ? "accepted" : "rejected")}");
        return treeAccepted;
    }
}
