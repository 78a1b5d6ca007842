namespace Shoal.Fuzz;

/// <summary>
/// Runs a target on one input and turns a runaway allocation into a crash: a parser that allocates far more than its
/// input justifies is one a peer can use to exhaust memory, even when it finishes without throwing.
/// </summary>
internal static class Guard
{
    // Tight enough to catch quadratic growth on inputs of a few KB (seeds and queue entries allocate under 150 KB), loose
    // enough for honest linear work: parsed trees, re-encodings and per-file records cost a few dozen bytes per input byte.
    private const long FixedAllowance = 1024 * 1024;
    private const long PerInputByte = 128;

    public static bool Run(FuzzTarget target, byte[] data) => Run(target, data, out _);

    public static bool Run(FuzzTarget target, byte[] data, out long allocated)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool accepted = target.Run(data);
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long limit = FixedAllowance + PerInputByte * data.Length;
        if (allocated > limit)
            throw new InvariantViolation($"{target.Name}: allocated {allocated:N0} bytes for a {data.Length}-byte input (limit {limit:N0})");
        return accepted;
    }
}
