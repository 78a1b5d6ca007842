using System.Net;
using CsCheck;
using Shoal.Bencoding;
using Shoal.Metainfo;
using Shoal.Tests.Bencoding;
using static Shoal.Tests.Metainfo.TorrentSamples;

namespace Shoal.Tests.Metainfo;

/// <summary>No input, however malformed, makes a parser throw anything but its documented exception.</summary>
public class MetainfoPropertyTests
{
    /// <summary>Valid .torrent files of varied shape: one or many files, padding, private, trackers, extra keys.</summary>
    private static readonly Gen<byte[]> ValidTorrents =
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 70_000], Gen.Bool, Gen.Bool, Gen.Int[0, 3]).Select((files, size, multi, isPrivate, trackers) =>
        {
            var info = multi
                ? MultiFileInfo("root", PieceLength, Enumerable.Range(0, files)
                    .Select(i => ($"d{i % 2}/f{i}", (long)(size / files + i), i == 1)).ToArray())
                : SingleFileInfo("single", size + 1);
            if (isPrivate) info.Add("private", 1);
            var fields = new List<(string, BValue)> { ("comment", new BString("c")), ("creation date", new BInteger(size)) };
            if (trackers > 0)
            {
                fields.Add(("announce", new BString("http://t0/announce")));
                fields.Add(("announce-list", new BList(Enumerable.Range(0, trackers)
                    .Select(t => (BValue)new BList([new BString($"udp://t{t}:80")])))));
            }
            if (trackers == 2) fields.Add(("url-list", new BString("http://seed/")));
            return TorrentFile(info, fields.ToArray());
        });

    [Fact]
    public void ValidTorrentsRoundTrip()
    {
        ValidTorrents.Sample(bytes =>
        {
            var torrent = Torrent.Parse(bytes);
            var again = Torrent.Parse(torrent.Encode());
            Assert.Equal(torrent.InfoHash, again.InfoHash);
            Assert.Equal(torrent.AnnounceTiers, again.AnnounceTiers);
            Assert.Equal(torrent.Encode(), again.Encode());
        }, iter: 500);
    }

    [Fact]
    public void MutatedTorrentsThrowOnlyInvalidTorrentException()
    {
        Gen.Select(ValidTorrents, Gen.Int, Gen.Byte, Gen.Int[0, 3]).Sample((bytes, at, b, kind) =>
            ParseTorrent(BencodePropertyTests.Mutate(bytes, at, b, kind)), iter: 20_000);
    }

    [Fact]
    public void RandomBytesAndValuesThrowOnlyInvalidTorrentException()
    {
        Gen.Byte.Array[0, 200].Sample(ParseTorrent, iter: 10_000);
        // Structurally valid bencode of the wrong shape reaches the semantic checks.
        BencodePropertyTests.Values.Sample(value =>
        {
            ParseTorrent(value.Encode());
            ParseTorrent(new BDictionary { { "info", value } }.Encode());
        }, iter: 10_000);
    }

    [Fact]
    public void InfoDictionariesWithRandomFieldValuesThrowOnlyInvalidTorrentException()
    {
        string[] keys = ["files", "length", "name", "piece length", "pieces", "private", "path", "attr"];
        Gen.Select(Gen.Int[0, keys.Length - 1], BencodePropertyTests.Values, Gen.Bool).Sample((key, value, multi) =>
        {
            var info = multi ? MultiFileInfo("r", ("a/b", 100), ("c", 5)) : SingleFileInfo();
            if (keys[key] is "path" or "attr" && multi) ((BDictionary)((BList)info["files"]!)[0]).Add(keys[key], value);
            else info.Add(keys[key], value);
            try
            {
                TorrentInfo.Parse(info.Encode());
            }
            catch (InvalidTorrentException)
            {
            }
        }, iter: 10_000);
    }

    private static void ParseTorrent(byte[] bytes)
    {
        try
        {
            var torrent = Torrent.Parse(bytes);
            // Anything accepted re-encodes to something that parses to the same torrent.
            Assert.Equal(torrent.InfoHash, Torrent.Parse(torrent.Encode()).InfoHash);
        }
        catch (InvalidTorrentException)
        {
        }
    }

    private static readonly Gen<string> MagnetNoise = Gen.String[Gen.Char["magnet:?xturnbtihdn=&%+.pel0123456789abcdefABCXYZ[]:/ \u0001é"], 0, 120];

    private static readonly Gen<MagnetLink> Links =
        Gen.Select(Gen.Byte.Array[20], Gen.String[0, 20].Null(), Gen.Int[0, 3], Gen.Int[0, 3], Gen.Long[0, long.MaxValue].Nullable())
            .Select((hash, name, trackers, peers, length) => new MagnetLink(new InfoHash(hash), name,
                Enumerable.Range(0, trackers).Select(i => $"http://t{i}.example/announce?k={i}&x=%"),
                Enumerable.Range(0, peers).Select(i => i % 2 == 0
                    ? (EndPoint)new IPEndPoint(new IPAddress(hash.AsSpan(0, i % 4 == 0 ? 4 : 16)), 1 + i)
                    : new DnsEndPoint($"peer{i}.example", 6881 + i)),
                length));

    [Fact]
    public void MagnetLinksRoundTripThroughText()
    {
        Links.Sample(link =>
        {
            var again = MagnetLink.Parse(link.ToString());
            Assert.Equal(link.InfoHash, again.InfoHash);
            Assert.Equal(link.DisplayName?.Trim() is { Length: > 0 } name ? name : null, again.DisplayName);
            Assert.Equal(link.Trackers, again.Trackers);
            Assert.Equal(link.Peers, again.Peers);
            Assert.Equal(link.ExactLength, again.ExactLength);
            Assert.Equal(again.ToString(), MagnetLink.Parse(again.ToString()).ToString());
        }, iter: 2000);
    }

    [Fact]
    public void MagnetTryParseNeverThrows()
    {
        var mutated = Gen.Select(Links, Gen.Int, Gen.Char, Gen.Int[0, 3]).Select((link, at, c, kind) =>
        {
            var text = link.ToString();
            int i = (int)((uint)at % (uint)text.Length);
            return kind switch
            {
                0 => text.Remove(i, 1).Insert(i, c.ToString()),
                1 => text.Insert(i, c.ToString()),
                2 => text.Remove(i, 1),
                _ => text[..i],
            };
        });
        Gen.OneOf(MagnetNoise, MagnetNoise.Select(s => "magnet:?" + s), mutated, Gen.String).Sample(text =>
        {
            bool ok = MagnetLink.TryParse(text, out var link, out var error);
            Assert.Equal(ok, link is not null);
            Assert.Equal(ok, error is null);
            try
            {
                MagnetLink.Parse(text);
                Assert.True(ok);
            }
            catch (InvalidTorrentException ex)
            {
                Assert.False(ok);
                Assert.Contains(error!, ex.Message);
            }
        }, iter: 20_000);
    }
}
