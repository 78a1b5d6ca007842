using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Benchmarks;

/// <summary>
/// Storage hot paths on a 64 MiB single-file torrent in the page cache: 16 KiB upload reads (with and without the
/// read cache, one peer streaming a piece vs. four peers interleaved), whole-piece writes, and the open-time recheck.
/// Raw RandomAccess calls are the baseline. Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter '*StorageBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class StorageBenchmarks
{
    private const int PieceLength = 256 * 1024;
    private const int Block = 16 * 1024;
    private const int Pieces = 256; // 64 MiB
    private const int PiecesPerOp = 16;
    private const int BlocksPerOp = PiecesPerOp * PieceLength / Block;

    private string _dir = null!;
    private TorrentInfo _info = null!;
    private byte[] _data = null!;
    private FileStorage _cached = null!;
    private FileStorage _uncached = null!;
    private FileStorage _writer = null!;
    private SafeFileHandle _raw = null!;
    private readonly byte[] _block = new byte[Block];
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("shoal-bench-storage-").FullName;
        _data = new byte[Pieces * PieceLength];
        new Random(1).NextBytes(_data);
        var hashes = new byte[Pieces * 20];
        for (int i = 0; i < Pieces; i++) SHA1.HashData(_data.AsSpan(i * PieceLength, PieceLength), hashes.AsSpan(i * 20, 20));
        _info = TorrentInfo.Create("data.bin", PieceLength, hashes, [(["data.bin"], _data.Length, false)], multiFile: false);
        Directory.CreateDirectory(Path.Combine(_dir, "seed"));
        File.WriteAllBytes(Path.Combine(_dir, "seed", "data.bin"), _data);

        var seedOptions = new StorageOptions { UseResumeRecord = false, CheckFreeSpace = false };
        _cached = FileStorage.OpenAsync(_info, Path.Combine(_dir, "seed"), seedOptions).GetAwaiter().GetResult();
        _uncached = FileStorage.OpenAsync(_info, Path.Combine(_dir, "seed"), seedOptions with { ReadCacheBytes = 0 }).GetAwaiter().GetResult();
        _writer = FileStorage.OpenAsync(_info, Path.Combine(_dir, "leech"), seedOptions).GetAwaiter().GetResult();
        _raw = File.OpenHandle(Path.Combine(_dir, "seed", "data.bin"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cached.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _uncached.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private int NextFirstPiece() => (_round++ * PiecesPerOp) % Pieces;

    [Benchmark(OperationsPerInvoke = BlocksPerOp, Description = "raw RandomAccess.Read 16 KiB (sync baseline)")]
    public void RawSyncRead()
    {
        int first = NextFirstPiece();
        for (int b = 0; b < BlocksPerOp; b++) RandomAccess.Read(_raw, _block, (long)first * PieceLength + (long)b * Block);
    }

    [Benchmark(OperationsPerInvoke = BlocksPerOp, Description = "raw RandomAccess.ReadAsync 16 KiB (async baseline)")]
    public async Task RawAsyncRead()
    {
        int first = NextFirstPiece();
        for (int b = 0; b < BlocksPerOp; b++) await RandomAccess.ReadAsync(_raw, _block, (long)first * PieceLength + (long)b * Block);
    }

    [Benchmark(OperationsPerInvoke = BlocksPerOp, Description = "ReadAsync 16 KiB, one peer, no cache")]
    public Task SequentialUncached() => ReadSequential(_uncached);

    [Benchmark(OperationsPerInvoke = BlocksPerOp, Description = "ReadAsync 16 KiB, one peer, cache")]
    public Task SequentialCached() => ReadSequential(_cached);

    [Benchmark(OperationsPerInvoke = BlocksPerOp, Description = "ReadAsync 16 KiB, 4 peers interleaved, no cache")]
    public Task InterleavedUncached() => ReadInterleaved(_uncached);

    [Benchmark(OperationsPerInvoke = BlocksPerOp, Description = "ReadAsync 16 KiB, 4 peers interleaved, cache")]
    public Task InterleavedCached() => ReadInterleaved(_cached);

    [Benchmark(OperationsPerInvoke = PiecesPerOp, Description = "WritePieceAsync 256 KiB")]
    public async Task WritePieces()
    {
        int first = NextFirstPiece();
        for (int p = first; p < first + PiecesPerOp; p++)
            await _writer.WritePieceAsync(p, _data.AsMemory(p * PieceLength, PieceLength), default);
    }

    [Benchmark(Description = "OpenAsync with full recheck, 64 MiB")]
    public async Task Recheck()
    {
        var options = new StorageOptions { UseResumeRecord = false, CheckFreeSpace = false };
        await using var storage = await FileStorage.OpenAsync(_info, Path.Combine(_dir, "seed"), options);
        if (!storage.Verified.IsComplete) throw new InvalidOperationException("recheck failed");
    }

    private async Task ReadSequential(FileStorage storage)
    {
        int first = NextFirstPiece();
        for (int p = first; p < first + PiecesPerOp; p++)
        {
            for (int offset = 0; offset < PieceLength; offset += Block) await storage.ReadAsync(p, offset, _block, default);
        }
    }

    /// <summary>Four peers, each streaming its own piece, their requests served in turn.</summary>
    private async Task ReadInterleaved(FileStorage storage)
    {
        int first = NextFirstPiece();
        for (int group = first; group < first + PiecesPerOp; group += 4)
        {
            for (int offset = 0; offset < PieceLength; offset += Block)
            {
                for (int peer = 0; peer < 4; peer++) await storage.ReadAsync(group + peer, offset, _block, default);
            }
        }
    }
}
