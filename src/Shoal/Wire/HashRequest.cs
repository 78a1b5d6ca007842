using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using Shoal.Metainfo;

namespace Shoal.Wire;

/// <summary>
/// The fixed part shared by BEP 52's hash request (21), hashes (22) and hash reject (23): a file's pieces root, the base
/// layer (height above the leaves), the index of the first hash in that layer, how many hashes, and how many proof
/// layers. On the wire: 32 + 4 × 4 bytes, big-endian.
/// </summary>
public readonly struct HashRequest : IEquatable<HashRequest>
{
    /// <summary>Bytes after the message id.</summary>
    public const int EncodedLength = Merkle.HashSize + 16;

    /// <summary>
    /// Most base hashes one request may ask for: libtorrent's limit (a whole 128 MiB piece of leaf hashes); BEP 52 asks
    /// requesters to stay at 512.
    /// </summary>
    public const int MaxLength = 8192;

    /// <summary>Layers are heights in a file's tree: no file a torrent can describe is taller.</summary>
    public const int MaxLayer = Merkle.MaxHeight;

    private readonly Root32 _root;

    public HashRequest(ReadOnlySpan<byte> piecesRoot, int baseLayer, int index, int length, int proofLayers)
    {
        if (piecesRoot.Length != Merkle.HashSize) throw new ArgumentException($"a pieces root is {Merkle.HashSize} bytes", nameof(piecesRoot));
        piecesRoot.CopyTo(_root);
        BaseLayer = baseLayer;
        Index = index;
        Length = length;
        ProofLayers = proofLayers;
    }

    [UnscopedRef]
    public ReadOnlySpan<byte> PiecesRoot => _root;

    /// <summary>Height of the requested hashes above the leaves (0: 16 KiB block hashes).</summary>
    public int BaseLayer { get; }

    /// <summary>Position of the first requested hash in its layer (a multiple of <see cref="Length"/>).</summary>
    public int Index { get; }

    /// <summary>How many hashes of the base layer (a power of two, at least 2).</summary>
    public int Length { get; }

    /// <summary>How many layers above the base to prove (the uncle hashes).</summary>
    public int ProofLayers { get; }

    /// <summary>
    /// BEP 52's rules a request must follow whatever the file: a power-of-two length from 2 to <see cref="MaxLength"/>,
    /// an index that is a multiple of it, layers within a tree's height. A request that breaks them gets a hash reject
    /// (the file-specific checks are <see cref="MerkleProof.IsValidRequest"/>).
    /// </summary>
    public bool IsWellFormed =>
        Length >= 2 && Length <= MaxLength && BitOperations.IsPow2(Length) && Index % Length == 0
        && BaseLayer <= MaxLayer && ProofLayers <= MaxLayer;

    /// <summary>Hashes a 'hashes' answer to this request carries: the base hashes, then the uncles.</summary>
    public int AnswerHashCount => Length + MerkleProof.UncleCount(Length, ProofLayers);

    /// <summary>Reads the 48 bytes after the message id; every field must fit in a non-negative int.</summary>
    public static HashRequest Read(ReadOnlySpan<byte> fields)
    {
        if (fields.Length < EncodedLength) throw new WireProtocolException($"hash message header of {fields.Length} bytes is too short");
        var numbers = fields.Slice(Merkle.HashSize, 16);
        return new HashRequest(fields[..Merkle.HashSize], Field(numbers, 0, "base layer"), Field(numbers, 4, "index"),
            Field(numbers, 8, "length"), Field(numbers, 12, "proof layers"));
    }

    /// <summary>Reads the header from a message payload (copied only when it spans buffer segments).</summary>
    public static HashRequest Read(ReadOnlySequence<byte> payload)
    {
        if (payload.FirstSpan.Length >= EncodedLength) return Read(payload.FirstSpan);
        if (payload.Length < EncodedLength) throw new WireProtocolException($"hash message of {payload.Length} bytes is too short");
        Span<byte> fields = stackalloc byte[EncodedLength];
        payload.Slice(0, EncodedLength).CopyTo(fields);
        return Read(fields);
    }

    public void WriteTo(Span<byte> destination)
    {
        PiecesRoot.CopyTo(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[32..], (uint)BaseLayer);
        BinaryPrimitives.WriteUInt32BigEndian(destination[36..], (uint)Index);
        BinaryPrimitives.WriteUInt32BigEndian(destination[40..], (uint)Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[44..], (uint)ProofLayers);
    }

    public bool Equals(HashRequest other) =>
        PiecesRoot.SequenceEqual(other.PiecesRoot) && BaseLayer == other.BaseLayer && Index == other.Index
        && Length == other.Length && ProofLayers == other.ProofLayers;

    public override bool Equals(object? obj) => obj is HashRequest other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(BitConverter.ToInt32(PiecesRoot), BaseLayer, Index, Length, ProofLayers);

    public static bool operator ==(HashRequest left, HashRequest right) => left.Equals(right);

    public static bool operator !=(HashRequest left, HashRequest right) => !left.Equals(right);

    public override string ToString() =>
        $"root {Convert.ToHexStringLower(PiecesRoot)[..8]}…, base {BaseLayer}, index {Index}, length {Length}, proof {ProofLayers}";

    private static int Field(ReadOnlySpan<byte> numbers, int offset, string name)
    {
        uint value = BinaryPrimitives.ReadUInt32BigEndian(numbers[offset..]);
        return value <= int.MaxValue ? (int)value : throw new WireProtocolException($"hash message {name} {value} out of range");
    }

    [InlineArray(Merkle.HashSize)]
    private struct Root32
    {
        private byte _element;
    }
}
