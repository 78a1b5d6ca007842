using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Shoal.Transport.Mse;

/// <summary>
/// The RC4 stream cipher, as MSE/PE uses it (.NET has none). One instance is one direction of one connection: it is
/// not thread-safe, and encrypting and decrypting are the same operation (XOR with the key stream).
/// The state is 256 ints rather than bytes: the loop then needs no zero-extension on loads, which measured faster.
/// </summary>
public sealed class Rc4
{
    private State _s;
    private int _i;
    private int _j;

    [InlineArray(256)]
    private struct State
    {
        private int _element;
    }

    /// <param name="key">1 to 256 bytes (MSE uses a 20-byte SHA-1).</param>
    public Rc4(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > 256) throw new ArgumentException("an RC4 key is 1 to 256 bytes", nameof(key));
        Span<int> s = _s;
        for (int k = 0; k < 256; k++) s[k] = k;
        int j = 0;
        for (int k = 0; k < 256; k++)
        {
            int t = s[k];
            j = (j + t + key[k % key.Length]) & 0xFF;
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

    /// <summary>XORs <paramref name="data"/> with the next key-stream bytes, in place.</summary>
    public void Transform(Span<byte> data) => Transform(data, data);

    /// <summary>Writes <paramref name="source"/> XOR the key stream to <paramref name="destination"/> (which may be the same memory).</summary>
    public void Transform(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("the destination is shorter than the source", nameof(destination));
        ref int s = ref Unsafe.As<State, int>(ref _s);
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)source.Length;
        nuint i = (nuint)_i, j = (nuint)_j;
        for (nuint k = 0; k < n; k++)
        {
            i = (i + 1) & 0xFF;
            int ti = Unsafe.Add(ref s, i);
            j = (j + (nuint)ti) & 0xFF;
            int tj = Unsafe.Add(ref s, j);
            Unsafe.Add(ref s, i) = tj;
            Unsafe.Add(ref s, j) = ti;
            Unsafe.Add(ref dst, k) = (byte)(Unsafe.Add(ref src, k) ^ Unsafe.Add(ref s, (nuint)(ti + tj) & 0xFF));
        }
        _i = (int)i;
        _j = (int)j;
    }
}
