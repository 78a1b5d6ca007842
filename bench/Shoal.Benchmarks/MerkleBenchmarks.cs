using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Benchmarks;

/// <summary>
/// BEP 52 hashing: checking a 4 MiB piece against its merkle hash (256 SHA-256 leaves reduced to one node) next to the
/// SHA-1 of the same piece (v1), a file's tree built from a 4,096-piece layer, and the answer to (and the check of) a
/// 512-hash request. Expect zero allocations for the per-piece work.
/// Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter '*MerkleBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class MerkleBenchmarks
{
    private const int PieceLength = 4 * 1024 * 1024;
    private const int Pieces = 4096; // a 16 GiB file

    private readonly byte[] _piece = new byte[PieceLength];
    private readonly byte[] _pieceRoot = new byte[Merkle.HashSize];
    private readonly byte[] _sha1 = new byte[20];
    private readonly byte[] _answer = new byte[(512 + 8) * Merkle.HashSize];
    private readonly byte[] _ancestor = new byte[Merkle.HashSize];
    private byte[] _layer = null!;
    private MerkleTree _tree = null!;
    private int _pieceHeight;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_piece);
        _pieceHeight = Merkle.PieceHeight(PieceLength);
        Merkle.DataRoot(_piece, _pieceHeight, new byte[256 * Merkle.HashSize], _pieceRoot);
        _layer = new byte[Pieces * Merkle.HashSize];
        new Random(2).NextBytes(_layer);
        _tree = MerkleTree.Build(_layer, _pieceHeight, _pieceHeight + 12);
        MerkleProof.Write(_tree, _pieceHeight, 1024, 512, 11, _answer);
    }

    [Benchmark(Baseline = true, Description = "v1: SHA-1 of a 4 MiB piece")]
    public byte Sha1Piece()
    {
        SHA1.HashData(_piece, _sha1);
        return _sha1[0];
    }

    [Benchmark(Description = "v2: merkle check of a 4 MiB piece")]
    public bool VerifyPieceV2() => MerkleVerifier.VerifyPiece(_piece, _pieceRoot, _pieceHeight);

    [Benchmark(Description = "tree from a 4,096-piece layer")]
    public int BuildTree() => MerkleTree.Build(_layer, _pieceHeight, _pieceHeight + 12).Height;

    [Benchmark(Description = "answer a 512-hash request")]
    public int WriteProof() => MerkleProof.Write(_tree, _pieceHeight, 1024, 512, 11, _answer);

    [Benchmark(Description = "check a 512-hash answer")]
    public int ClimbProof() => MerkleProof.Climb(_answer.AsSpan(0, 512 * Merkle.HashSize), 512, _pieceHeight, 1024,
        _answer.AsSpan(512 * Merkle.HashSize, 3 * Merkle.HashSize), _ancestor).Height;
}
