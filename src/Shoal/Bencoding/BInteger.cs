namespace Shoal.Bencoding;

public sealed class BInteger(long value) : BValue
{
    public long Value { get; } = value;

    public override void WriteTo(BencodeWriter writer) => writer.WriteInteger(Value);

    public override bool Equals(object? obj) => obj is BInteger other && other.Value == Value;

    public override int GetHashCode() => Value.GetHashCode();

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static implicit operator BInteger(long value) => new(value);
}
