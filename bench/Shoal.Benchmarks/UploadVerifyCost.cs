using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Benchmarks;

/// <summary>
/// The CPU a seeder spends hashing each piece before its first upload in a run (pieces taken on a resume record's
/// word): a file of SIZE is opened from its record, every 16 KiB block is read once through the upload path (which
/// hashes each piece on its first read), then once more (nothing left to hash). The difference is the check's cost.
/// User and system CPU of this process are read around each phase; the file is in the page cache, so this is CPU, not disk.
/// Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- upload-verify-cost [SIZE_MiB=1024] [RUNS=3]
/// </summary>
internal static class UploadVerifyCost
{
    private const int PieceLength = 256 * 1024;
    private const int Block = 16 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        long size = (args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 1024) * 1024 * 1024;
        int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        string dir = Directory.CreateTempSubdirectory("shoal-upload-verify-").FullName;
        try
        {
            var info = WriteSeed(Path.Combine(dir, "seed.bin"), size);
            var options = new StorageOptions { CheckFreeSpace = false, ResumeDirectory = Path.Combine(dir, "resume") };
            // A first open hashes everything and leaves the record every later open trusts.
            var openCpu = await Measure(async () => await (await FileStorage.OpenAsync(info, dir, options)).DisposeAsync());
            Console.WriteLine($"{size / 1048576} MiB, {info.PieceCount} pieces of {PieceLength / 1024} KiB; load average {LoadAverage()}");
            Console.WriteLine($"open with a full recheck (for scale): {Format(openCpu, size)}");
            for (int run = 1; run <= runs; run++)
            {
                await using var storage = await FileStorage.OpenAsync(info, dir, options);
                if (storage.Counts.Resumed != info.PieceCount) throw new InvalidOperationException("the resume record was not used");
                var first = await Measure(() => ReadAll(storage));
                if (storage.Counts.Resumed != 0) throw new InvalidOperationException("pieces left unhashed after a full read");
                var again = await Measure(() => ReadAll(storage));
                Console.WriteLine($"run {run}: first upload of every block {Format(first, size)}; again {Format(again, size)}; " +
                                  $"the check: {Format(first - again, size)}");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task ReadAll(FileStorage storage)
    {
        var block = new byte[Block];
        var info = storage.Info;
        for (int piece = 0; piece < info.PieceCount; piece++)
        {
            int pieceSize = info.PieceSize(piece);
            for (int offset = 0; offset < pieceSize; offset += Block)
                await storage.ReadAsync(piece, offset, block.AsMemory(0, Math.Min(Block, pieceSize - offset)), default);
        }
    }

    private static TorrentInfo WriteSeed(string path, long size)
    {
        var random = new Random(1);
        var piece = new byte[PieceLength];
        int count = (int)((size + PieceLength - 1) / PieceLength);
        var hashes = new byte[count * 20];
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            for (int i = 0; i < count; i++)
            {
                int length = (int)Math.Min(PieceLength, size - (long)i * PieceLength);
                random.NextBytes(piece.AsSpan(0, length));
                SHA1.HashData(piece.AsSpan(0, length), hashes.AsSpan(i * 20, 20));
                file.Write(piece, 0, length);
            }
        }
        return TorrentInfo.Create(Path.GetFileName(path), PieceLength, hashes, [([Path.GetFileName(path)], size, false)], multiFile: false);
    }

    private readonly record struct Cpu(TimeSpan User, TimeSpan System, TimeSpan Wall)
    {
        public static Cpu operator -(Cpu a, Cpu b) => new(a.User - b.User, a.System - b.System, a.Wall - b.Wall);
    }

    private static async Task<Cpu> Measure(Func<Task> work)
    {
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var (user, system) = (process.UserProcessorTime, process.PrivilegedProcessorTime);
        var clock = Stopwatch.StartNew();
        await work();
        clock.Stop();
        process.Refresh();
        return new Cpu(process.UserProcessorTime - user, process.PrivilegedProcessorTime - system, clock.Elapsed);
    }

    private static string Format(Cpu cpu, long bytes) =>
        string.Create(CultureInfo.InvariantCulture,
            $"user {cpu.User.TotalSeconds:0.00} s + sys {cpu.System.TotalSeconds:0.00} s ({(cpu.User + cpu.System).TotalMilliseconds * 1e6 / bytes:0.00} ns/byte), wall {cpu.Wall.TotalSeconds:0.00} s");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
