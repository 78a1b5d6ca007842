using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Shoal.Transport.Mse;

/// <summary>
/// The RC4 stream cipher, as MSE/PE uses it (.NET has none). One instance is one direction of one connection: it is
/// not thread-safe, and encrypting and decrypting are the same operation (XOR with the key stream).
/// Written for the instruction count per byte (bench/rc4-instructions.sh): the state is 256 uints (loads need no
/// zero-extension), no bounds checks, i and j in registers, and eight bytes per iteration while i cannot wrap, so i
/// is a fixed offset and each key-stream byte is XORed straight into memory (one instruction).
/// </summary>
public sealed class Rc4
{
    private const int Unroll = 8;

    private State _s;
    private int _i;
    private int _j;

    [InlineArray(256)]
    private struct State
    {
        private uint _element;
    }

    /// <param name="key">1 to 256 bytes (MSE uses a 20-byte SHA-1).</param>
    public Rc4(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > 256) throw new ArgumentException("an RC4 key is 1 to 256 bytes", nameof(key));
        Span<uint> s = _s;
        for (int k = 0; k < 256; k++) s[k] = (uint)k;
        int j = 0;
        for (int k = 0; k < 256; k++)
        {
            uint t = s[k];
            j = (int)((j + t + key[k % key.Length]) & 0xFF);
            s[k] = s[j];
            s[j] = t;
        }
    }

    /// <summary>Advances the key stream by <paramref name="count"/> bytes without using them (MSE drops the first 1,024).</summary>
    public void Discard(int count)
    {
        Span<byte> scratch = stackalloc byte[256];
        while (count > 0)
        {
            int n = Math.Min(count, scratch.Length);
            Transform(scratch[..n]);
            count -= n;
        }
    }

    /// <summary>Writes <paramref name="source"/> XOR the key stream to <paramref name="destination"/> (which may be the same memory).</summary>
    public void Transform(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("the destination is shorter than the source", nameof(destination));
        // A vectorised copy costs a fraction of an instruction per byte; the in-place loop then saves two per byte.
        source.CopyTo(destination);
        Transform(destination[..source.Length]);
    }

    /// <summary>XORs <paramref name="data"/> with the next key-stream bytes, in place.</summary>
    public void Transform(Span<byte> data)
    {
        ref uint s = ref Unsafe.As<State, uint>(ref _s);
        ref byte d = ref MemoryMarshal.GetReference(data);
        ref byte end = ref Unsafe.Add(ref d, data.Length);
        nuint i = (nuint)_i, j = (nuint)_j;
        while (Unsafe.ByteOffset(ref d, ref end) >= Unroll)
        {
            if (i < 256 - Unroll)
            {
                // i + 1 … i + 8 stay below 256: fixed offsets from S[i], no masking.
                ref uint si = ref Unsafe.Add(ref s, i);
                j = Step(ref s, ref si, 1, j, ref d);
                j = Step(ref s, ref si, 2, j, ref Unsafe.Add(ref d, 1));
                j = Step(ref s, ref si, 3, j, ref Unsafe.Add(ref d, 2));
                j = Step(ref s, ref si, 4, j, ref Unsafe.Add(ref d, 3));
                j = Step(ref s, ref si, 5, j, ref Unsafe.Add(ref d, 4));
                j = Step(ref s, ref si, 6, j, ref Unsafe.Add(ref d, 5));
                j = Step(ref s, ref si, 7, j, ref Unsafe.Add(ref d, 6));
                j = Step(ref s, ref si, 8, j, ref Unsafe.Add(ref d, 7));
                i += Unroll;
                d = ref Unsafe.Add(ref d, Unroll);
            }
            else
            {
                i = (i + 1) & 0xFF;
                j = Step(ref s, ref s, (nint)i, j, ref d);
                d = ref Unsafe.Add(ref d, 1);
            }
        }
        while (Unsafe.IsAddressLessThan(ref d, ref end))
        {
            i = (i + 1) & 0xFF;
            j = Step(ref s, ref s, (nint)i, j, ref d);
            d = ref Unsafe.Add(ref d, 1);
        }
        _i = (int)i;
        _j = (int)j;
    }

    /// <summary>
    /// One RC4 round for i = <paramref name="si"/> + <paramref name="k"/> (i already advanced): swaps S[i] and S[j] and
    /// XORs one key-stream byte into <paramref name="d"/>. A constant k folds into the addressing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Step(ref uint s, ref uint si, nint k, nuint j, ref byte d)
    {
        nuint x = Unsafe.Add(ref si, k);
        j = (j + x) & 0xFF;
        nuint y = Unsafe.Add(ref s, j);
        Unsafe.Add(ref si, k) = (uint)y;
        Unsafe.Add(ref s, j) = (uint)x;
        d ^= (byte)Unsafe.Add(ref s, (x + y) & 0xFF);
        return j;
    }
}
