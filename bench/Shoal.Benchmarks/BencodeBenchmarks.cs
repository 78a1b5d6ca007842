using System.Text;
using BenchmarkDotNet.Attributes;
using Shoal.Bencoding;
using Shoal.Metainfo;

namespace Shoal.Benchmarks;

/// <summary>
/// Parsing a large .torrent: 500,000 pieces (a 10 MB 'pieces' string) and 2,000 files in 50 folders, ~10.1 MB in all.
/// Throughput = file size / mean time. Torrent.Parse includes the SHA-1 of the 10 MB info dictionary (the info-hash).
/// Run: dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter '*BencodeBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class BencodeBenchmarks
{
    private const int Pieces = 500_000;
    private const int Files = 2_000;
    private const int PieceLength = 16 * 1024;

    private byte[] _torrent = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var hashes = new byte[Pieces * 20];
        random.NextBytes(hashes);
        long total = (long)Pieces * PieceLength;
        var files = new BList();
        for (int i = 0; i < Files; i++)
        {
            long length = total / Files + (i == Files - 1 ? total % Files : 0);
            var path = new BList([new BString($"folder-{i % 50:00}"), new BString($"file-{i:0000}.dat")]);
            files.Add(new BDictionary { { "length", length }, { "path", path } });
        }
        var info = new BDictionary { { "files", files }, { "name", "big" }, { "piece length", PieceLength }, { "pieces", new BString(hashes) } };
        var torrent = new BDictionary
        {
            { "announce", "http://tracker.example/announce" },
            { "comment", "benchmark" },
            { "created by", "Shoal" },
            { "creation date", 1_700_000_000 },
            { "info", info },
        };
        _torrent = torrent.Encode();
        Console.WriteLine($"// torrent size: {_torrent.Length:N0} bytes ({Encoding.ASCII.GetString(_torrent, 0, 20)}…)");
    }

    /// <summary>The whole thing: strict bencode, info validation (paths, sizes, hashes count) and the info-hash.</summary>
    [Benchmark(Baseline = true)]
    public InfoHash TorrentParse() => Torrent.Parse(_torrent).InfoHash;

    /// <summary>The raw reader validating every token (key order, integers, nesting) and allocating nothing.</summary>
    [Benchmark]
    public int ReaderWalk()
    {
        var reader = new BencodeReader(_torrent);
        reader.SkipValue();
        reader.EnsureEnd();
        return reader.Position;
    }

    /// <summary>The convenience tree (copies every string).</summary>
    [Benchmark]
    public BValue TreeParse() => BValue.Parse(_torrent);
}
