using System.Text.Json;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Interop;

/// <summary>Runs mktorrent and small libtorrent (Python) scripts that make or read .torrent files.</summary>
internal static class MetainfoTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>mktorrent with each tracker as its own -a (tier); -l takes log2 of the piece length.</summary>
    public static void Mktorrent(string source, string output, int pieceLength, IEnumerable<string> trackers,
        bool isPrivate = false, string? comment = null, bool noDate = true)
    {
        var mktorrent = ReferencePrograms.Require("mktorrent");
        var args = new List<string> { "-l", Log2(pieceLength).ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", output, "-t", "2" };
        foreach (var tracker in trackers) args.AddRange(["-a", tracker]);
        if (isPrivate) args.Add("-p");
        if (comment is not null) args.AddRange(["-c", comment]);
        if (noDate) args.Add("-d");
        args.Add(source);
        ProcessRunner.Run(mktorrent, args, Timeout).EnsureSuccess("mktorrent");
    }

    /// <summary>Runs a Python script with Debian's libtorrent and parses the JSON it prints last.</summary>
    public static JsonElement Libtorrent(TempDirectory dir, string script, params string[] args)
    {
        var python = ReferencePrograms.RequireLibtorrent();
        var path = dir.Combine($"lt_script_{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        var result = ProcessRunner.Run(python, [path, .. args], Timeout).EnsureSuccess("libtorrent script");
        var lastLine = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonDocument.Parse(lastLine).RootElement.Clone();
    }

    /// <summary>What libtorrent makes of a .torrent: info-hash, files (path, size, padding) and piece count.</summary>
    public static JsonElement LibtorrentDescribe(TempDirectory dir, string torrentPath) => Libtorrent(dir, """
        import json, sys
        import libtorrent as lt
        ti = lt.torrent_info(sys.argv[1])
        fs = ti.files()
        files = [{"path": fs.file_path(i), "size": fs.file_size(i),
                  "pad": bool(fs.file_flags(i) & lt.file_storage.flag_pad_file)} for i in range(fs.num_files())]
        print(json.dumps({"infoHash": str(ti.info_hashes().v1), "name": ti.name(), "pieces": ti.num_pieces(),
                          "pieceLength": ti.piece_length(), "total": ti.total_size(), "private": ti.priv(),
                          "trackers": [t.url for t in ti.trackers()], "files": files}))
        """, torrentPath);

    /// <summary>libtorrent's create_torrent (v1 only) over a file or folder; prints the info-hash it made.</summary>
    public static string LibtorrentCreate(TempDirectory dir, string source, string output, int pieceLength, string tracker, bool padded = false) =>
        Libtorrent(dir, """
            import json, os, sys
            import libtorrent as lt
            source, output, piece, tracker, padded = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
            fs = lt.file_storage()
            lt.add_files(fs, source)
            flags = lt.create_torrent.v1_only | (lt.create_torrent.canonical_files if padded else 0)
            ct = lt.create_torrent(fs, piece, flags=flags)
            ct.add_tracker(tracker)
            lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(source)))
            data = lt.bencode(ct.generate())
            open(output, "wb").write(data)
            print(json.dumps({"infoHash": str(lt.torrent_info(data).info_hashes().v1)}))
            """, source, output, pieceLength.ToString(System.Globalization.CultureInfo.InvariantCulture), tracker, padded ? "1" : "0")
            .GetProperty("infoHash").GetString()!;

    /// <summary>
    /// Adds a torrent to a loopback-only libtorrent session with its data already in place and waits for the
    /// recheck: every piece libtorrent verifies against the .torrent's hashes (SHA-1 pieces and/or merkle roots and
    /// piece layers) counts. Returns (have, total, the v1 info-hash libtorrent computed, null for a v2-only torrent).
    /// </summary>
    public static (int Have, int Total, string? InfoHash) LibtorrentRecheck(TempDirectory dir, string torrentPath, string savePath)
    {
        var result = Libtorrent(dir, """
            import json, sys, time
            import libtorrent as lt
            torrent, save, port = sys.argv[1], sys.argv[2], sys.argv[3]
            s = lt.session({"listen_interfaces": "127.0.0.1:" + port, "enable_dht": False, "dht_bootstrap_nodes": "",
                            "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                            "enable_outgoing_utp": False, "enable_incoming_utp": False, "stop_tracker_timeout": 1})
            ti = lt.torrent_info(torrent)
            p = lt.add_torrent_params()
            p.ti = ti
            p.save_path = save
            p.flags |= lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
            p.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
            h = s.add_torrent(p)
            deadline = time.time() + 30
            # Data that matches every hash turns the torrent into a seed once checked; anything less never does.
            while time.time() < deadline and not h.status().is_seeding:
                time.sleep(0.05)
            st = h.status()
            hashes = ti.info_hashes()
            print(json.dumps({"have": st.num_pieces, "total": ti.num_pieces(), "infoHash": str(hashes.v1) if hashes.has_v1() else None}))
            """, torrentPath, savePath, FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (result.GetProperty("have").GetInt32(), result.GetProperty("total").GetInt32(), result.GetProperty("infoHash").GetString());
    }

    /// <summary>
    /// libtorrent's create_torrent over a file or folder as v2 only (<paramref name="hybrid"/> false: flag v2_only) or
    /// hybrid (its default flags); returns the hashes it computed: v1 (null for v2 only) and v2.
    /// </summary>
    public static (string? V1, string V2) LibtorrentCreateV2(TempDirectory dir, string source, string output, int pieceLength, bool hybrid)
    {
        var result = Libtorrent(dir, """
            import json, os, sys
            import libtorrent as lt
            source, output, piece, hybrid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
            fs = lt.file_storage()
            lt.add_files(fs, source)
            ct = lt.create_torrent(fs, piece, flags=0 if hybrid else lt.create_torrent.v2_only)
            lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(source)))
            data = lt.bencode(ct.generate())
            open(output, "wb").write(data)
            h = lt.torrent_info(data).info_hashes()
            print(json.dumps({"v1": str(h.v1) if h.has_v1() else None, "v2": str(h.v2)}))
            """, source, output, pieceLength.ToString(System.Globalization.CultureInfo.InvariantCulture), hybrid ? "1" : "0");
        return (result.GetProperty("v1").GetString(), result.GetProperty("v2").GetString()!);
    }

    /// <summary>libtorrent's reading of a v2 or hybrid .torrent: both hashes, files (path, size, padding, offset) and piece count.</summary>
    public static JsonElement LibtorrentDescribeV2(TempDirectory dir, string torrentPath) => Libtorrent(dir, """
        import json, sys
        import libtorrent as lt
        ti = lt.torrent_info(sys.argv[1])
        fs = ti.files()
        h = ti.info_hashes()
        files = [{"path": fs.file_path(i), "size": fs.file_size(i), "offset": fs.file_offset(i),
                  "pad": bool(fs.file_flags(i) & lt.file_storage.flag_pad_file)} for i in range(fs.num_files())]
        print(json.dumps({"v1": str(h.v1) if h.has_v1() else None, "v2": str(h.v2) if h.has_v2() else None,
                          "pieces": ti.num_pieces(), "files": files}))
        """, torrentPath);

    private static int Log2(int pieceLength) => System.Numerics.BitOperations.Log2((uint)pieceLength);
}
