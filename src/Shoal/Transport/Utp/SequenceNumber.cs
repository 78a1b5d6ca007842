namespace Shoal.Transport.Utp;

/// <summary>
/// uTP sequence and ack numbers are 16 bits and wrap: a is "before" b when b is less than half the number space ahead
/// of it, so 65535 comes before 0.
/// </summary>
internal static class SequenceNumber
{
    /// <summary>True when <paramref name="a"/> comes strictly before <paramref name="b"/>.</summary>
    public static bool Before(ushort a, ushort b) => a != b && (ushort)(b - a) < 0x8000;

    /// <summary>True when <paramref name="a"/> comes before or is <paramref name="b"/>.</summary>
    public static bool BeforeOrEqual(ushort a, ushort b) => (ushort)(b - a) < 0x8000;

    /// <summary>How far <paramref name="b"/> is ahead of <paramref name="a"/> (0 to 65535).</summary>
    public static int Distance(ushort a, ushort b) => (ushort)(b - a);
}
