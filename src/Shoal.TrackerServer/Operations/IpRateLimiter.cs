namespace Shoal.TrackerServer.Operations;

/// <summary>
/// Per-source token buckets (an IPv4 address, or an IPv6 /64: whoever has one IPv6 address has the whole /64) in a fixed table (bounded memory whatever the number of addresses): an address hashes to one
/// cell; a different address landing there takes the cell over with a full bucket, which can only make limiting laxer,
/// never lock an innocent client out. Striped locks keep the two front-ends from contending.
/// </summary>
public sealed class IpRateLimiter
{
    private const int Cells = 1 << 16;
    private const int Stripes = 64;

    private readonly Cell[] _cells = new Cell[Cells];
    private readonly Lock[] _locks;
    private readonly double _ratePerTick;
    private readonly double _burst;
    private readonly TimeProvider _time;

    public IpRateLimiter(double perSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _ratePerTick = perSecond / time.TimestampFrequency;
        _burst = burst;
        _time = time;
        _locks = new Lock[Stripes];
        for (int i = 0; i < Stripes; i++) _locks[i] = new Lock();
    }

    /// <summary>Takes one token for this address (4 or 16 bytes; an IPv6 address counts as its /64); false means over the limit.</summary>
    public bool TryAcquire(ReadOnlySpan<byte> address)
    {
        var key = Key(address);
        var hash = new HashCode();
        hash.Add(key);
        int index = hash.ToHashCode() & (Cells - 1);
        long now = _time.GetTimestamp();
        lock (_locks[index % Stripes])
        {
            ref var cell = ref _cells[index];
            if (!cell.Used || cell.Key != key)
            {
                cell = new Cell { Used = true, Key = key, Tokens = _burst - 1, LastTimestamp = now };
                return true;
            }
            cell.Tokens = Math.Min(_burst, cell.Tokens + (now - cell.LastTimestamp) * _ratePerTick);
            cell.LastTimestamp = now;
            if (cell.Tokens < 1) return false;
            cell.Tokens -= 1;
            return true;
        }
    }

    private static UInt128 Key(ReadOnlySpan<byte> address)
    {
        // IPv4 as its v4-mapped IPv6 form, so both families share one key space without collisions.
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        if (address.Length == 16 && Registry.PeerEndpoint.IsV4Mapped(address)) address = address[12..];
        if (address.Length == 4)
        {
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
            address.CopyTo(bytes[12..]);
        }
        else
        {
            address[..Math.Min(8, address.Length)].CopyTo(bytes); // the /64
        }
        return new UInt128(BitConverter.ToUInt64(bytes), BitConverter.ToUInt64(bytes[8..]));
    }

    private struct Cell
    {
        public bool Used;
        public UInt128 Key;
        public double Tokens;
        public long LastTimestamp;
    }
}
