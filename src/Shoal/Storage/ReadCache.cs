namespace Shoal.Storage;

/// <summary>
/// A small cache for upload reads: a miss reads the whole aligned run around the block (<c>runBytes</c>, e.g. 128 KiB)
/// into a slot, so the next blocks a peer asks for are a copy instead of a system call. A fixed array of slots,
/// buffers allocated once, least recently used slot replaced: no allocation per read. Only verified (immutable)
/// pieces are cached; <see cref="Invalidate"/> drops a piece that is written again.
/// </summary>
internal sealed class ReadCache
{
    private readonly Lock _lock = new();
    private readonly Slot[] _slots;
    private long _clock;

    public ReadCache(int totalBytes, int runBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runBytes);
        RunBytes = runBytes;
        _slots = new Slot[Math.Max(1, totalBytes / runBytes)];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new Slot();
    }

    public int RunBytes { get; }

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    /// <summary>Whether a range falls in one run (else it is read directly).</summary>
    public bool Fits(int offset, int length) => length > 0 && offset / RunBytes == (offset + length - 1) / RunBytes;

    /// <summary>Copies a cached range into <paramref name="destination"/>; false on a miss.</summary>
    public bool TryRead(int piece, int offset, Span<byte> destination)
    {
        int run = offset / RunBytes;
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                if (slot.State != SlotState.Ready || slot.Piece != piece || slot.Run != run) continue;
                int inRun = offset - run * RunBytes;
                if (inRun + destination.Length > slot.Length) return false;
                slot.Buffer!.AsSpan(inRun, destination.Length).CopyTo(destination);
                slot.LastUse = ++_clock;
                Hits++;
                return true;
            }
            Misses++;
            return false;
        }
    }

    /// <summary>
    /// Claims a slot to load run <paramref name="run"/> of <paramref name="piece"/> into. False when that run is
    /// already being loaded or every slot is busy (the caller then reads directly).
    /// </summary>
    public bool TryReserve(int piece, int run, out Reservation reservation)
    {
        reservation = default;
        lock (_lock)
        {
            Slot? victim = null;
            for (int i = 0; i < _slots.Length; i++)
            {
                var slot = _slots[i];
                if (slot.State != SlotState.Empty && slot.Piece == piece && slot.Run == run) return false;
                if (slot.State == SlotState.Loading) continue;
                if (victim is null || slot.State == SlotState.Empty && victim.State != SlotState.Empty
                    || slot.State == victim.State && slot.LastUse < victim.LastUse)
                {
                    victim = slot;
                    reservation = new Reservation(i, slot.Generation + 1);
                }
            }
            if (victim is null) return false;
            victim.State = SlotState.Loading;
            victim.Piece = piece;
            victim.Run = run;
            victim.Generation++;
            victim.Buffer ??= GC.AllocateUninitializedArray<byte>(RunBytes);
            return true;
        }
    }

    /// <summary>The buffer a reservation loads into (the slot is not reused until completed or abandoned).</summary>
    public Memory<byte> BufferOf(Reservation reservation, int length) => _slots[reservation.Slot].Buffer!.AsMemory(0, length);

    /// <summary>Publishes a loaded run and copies the requested range out of it.</summary>
    public void Complete(Reservation reservation, int runLength, int offsetInRun, Span<byte> destination)
    {
        lock (_lock)
        {
            var slot = _slots[reservation.Slot];
            slot.Buffer!.AsSpan(offsetInRun, destination.Length).CopyTo(destination);
            if (slot.State != SlotState.Loading || slot.Generation != reservation.Generation) return;
            // Invalidated while loading: the caller gets the bytes, but they are not kept.
            slot.State = slot.Stale ? SlotState.Empty : SlotState.Ready;
            slot.Stale = false;
            slot.Length = runLength;
            slot.LastUse = ++_clock;
        }
    }

    public void Abandon(Reservation reservation)
    {
        lock (_lock)
        {
            var slot = _slots[reservation.Slot];
            if (slot.Generation != reservation.Generation) return;
            slot.State = SlotState.Empty;
            slot.Stale = false;
        }
    }

    public void Invalidate(int piece)
    {
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                if (slot.Piece != piece) continue;
                if (slot.State == SlotState.Ready) slot.State = SlotState.Empty;
                else if (slot.State == SlotState.Loading) slot.Stale = true;
            }
        }
    }

    public readonly record struct Reservation(int Slot, int Generation);

    private enum SlotState : byte { Empty, Loading, Ready }

    private sealed class Slot
    {
        public SlotState State;
        public bool Stale;
        public int Piece = -1;
        public int Run;
        public int Length;
        public int Generation;
        public long LastUse;
        public byte[]? Buffer;
    }
}
