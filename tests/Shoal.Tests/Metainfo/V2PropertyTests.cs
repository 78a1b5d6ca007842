using CsCheck;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Bencoding;

namespace Shoal.Tests.Metainfo;

/// <summary>v2 and hybrid .torrent files, valid and mangled: accepted ones round-trip, anything else is an InvalidTorrentException.</summary>
public class V2PropertyTests
{
    private const int Piece = 16 * 1024;

    /// <summary>Valid v2 or hybrid torrents of one to five files (some empty, some nested), with their piece layers.</summary>
    private static readonly Gen<byte[]> ValidTorrents =
        Gen.Select(Gen.Int[0, 60_000].Array[1, 5], Gen.Bool, Gen.Bool, Gen.Int).Select((lengths, hybrid, nested, seed) =>
        {
            if (lengths.All(l => l == 0)) lengths[0] = 1;
            var files = lengths.Select((l, i) => (Path: (IReadOnlyList<string>)(nested && i % 2 == 1 ? ["sub", $"f{i}"] : [$"f{i}"]), Data: V2Samples.Data(l, seed + i))).ToArray();
            bool single = files.Length == 1 && !nested;
            if (single) files[0].Path = ["solo"];
            var ordered = files.OrderBy(f => f.Path, TorrentInfo.TreeOrder).ToArray();
            byte[] v1 = [];
            if (hybrid)
            {
                var stream = new List<byte>();
                foreach (var (_, data) in ordered)
                {
                    stream.AddRange(data);
                    if (data.Length > 0 && ordered.Length > 1 && stream.Count % Piece != 0) stream.AddRange(new byte[Piece - stream.Count % Piece]);
                }
                v1 = TorrentSamples.PieceHashes([.. stream], Piece);
            }
            var info = TorrentInfo.CreateV2(single ? "solo" : "pack", Piece,
                ordered.Select(f => (f.Path, (long)f.Data.Length, (ReadOnlyMemory<byte>)(f.Data.Length > 0 ? NaiveMerkle.Root(f.Data) : []))).ToArray(),
                multiFile: !single, v1PieceHashes: v1);
            var layers = new Dictionary<int, ReadOnlyMemory<byte>>();
            foreach (var (file, index) in info.Files.Select((f, i) => (f, i)))
                if (PieceLayers.Needs(info, index))
                    layers[index] = NaiveMerkle.PieceLayer(ordered.First(o => o.Path.SequenceEqual(file.PathSegments)).Data, Piece);
            return new Torrent(info, [["http://t/announce"]], pieceLayers: PieceLayers.FromVerified(info, layers)).Encode();
        });

    [Fact]
    public void ValidV2TorrentsRoundTrip()
    {
        ValidTorrents.Sample(bytes =>
        {
            var torrent = Torrent.Parse(bytes);
            Assert.True(torrent.Info.HasV2);
            Assert.True(torrent.PieceLayers!.IsComplete);
            Assert.Equal(bytes, torrent.Encode());
            long offset = 0;
            foreach (var file in torrent.Info.Files)
            {
                Assert.Equal(offset, file.Offset);
                if (!file.IsPadding && file.Length > 0) Assert.Equal(0, file.Offset % Piece);
                offset += file.Length;
            }
        }, iter: 300);
    }

    [Fact]
    public void MutatedV2TorrentsThrowOnlyInvalidTorrentException()
    {
        Gen.Select(ValidTorrents, Gen.Int, Gen.Byte, Gen.Int[0, 3]).Sample((bytes, at, b, kind) =>
            Parse(BencodePropertyTests.Mutate(bytes, at, b, kind)), iter: 3_000);
    }

    [Fact]
    public void FileTreesWithRandomValuesThrowOnlyInvalidTorrentException()
    {
        string[] places = ["tree", "node", "properties", "length", "pieces root", "meta version", "file", "piece layers"];
        var data = V2Samples.Data(40_000, 3);
        Gen.Select(Gen.Int[0, places.Length - 1], BencodePropertyTests.Values).Sample((place, value) =>
        {
            var info = V2Samples.V2Info("t", Piece, ("d/f", data));
            var tree = (BDictionary)info["file tree"]!;
            var node = (BDictionary)((BDictionary)tree["d"]!)["f"]!;
            var properties = (BDictionary)node[""]!;
            var layers = V2Samples.Layers(Piece, data);
            switch (places[place])
            {
                case "tree": info["file tree"] = value; break;
                case "node": ((BDictionary)tree["d"]!)["f"] = value; break;
                case "properties": node[""] = value; break;
                case "length": properties["length"] = value; break;
                case "pieces root": properties["pieces root"] = value; break;
                case "meta version": info["meta version"] = value; break;
                case "file": node["x"] = value; break;
                default: layers = value as BDictionary ?? new BDictionary { { "k", value } }; break;
            }
            Parse(TorrentSamples.TorrentFile(info, ("piece layers", layers)));
        }, iter: 10_000);
    }

    private static void Parse(byte[] bytes)
    {
        try
        {
            var torrent = Torrent.Parse(bytes);
            var again = Torrent.Parse(torrent.Encode());
            Assert.Equal(torrent.InfoHashes, again.InfoHashes);
            Assert.Equal(torrent.Info.PieceCount, again.Info.PieceCount);
        }
        catch (InvalidTorrentException)
        {
        }
    }
}
