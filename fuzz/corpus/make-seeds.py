#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ (small valid inputs; a few hundred bytes each).

Real .torrent files come from mktorrent and from Shoal's own `create` command (when SHOAL_CLI points at Shoal.Cli.dll);
everything else is built here byte by byte from the specs (BEP 3, 9, 10, 15, 23, 48). Run from anywhere:
    python3 fuzz/corpus/make-seeds.py
"""
import hashlib, os, shutil, struct, subprocess, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def be(v):
    """bencode"""
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(be(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted(((k.encode() if isinstance(k, str) else k), x) for k, x in v.items())
        return b"d" + b"".join(be(k) + be(x) for k, x in items) + b"e"
    raise TypeError(v)


def write(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def reset(target):
    shutil.rmtree(os.path.join(HERE, target), ignore_errors=True)


def real_torrents():
    """.torrent files made by mktorrent and by Shoal, over tiny content so the piece hashes stay short."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        single = os.path.join(tmp, "hello.txt")
        with open(single, "wb") as f:
            f.write(b"hello fuzzer\n" * 100)
        multi = os.path.join(tmp, "album")
        os.makedirs(os.path.join(multi, "disc 1"))
        for i, size in enumerate([20000, 5, 40000]):
            with open(os.path.join(multi, "disc 1" if i else "", f"track{i}.bin"), "wb") as f:
                f.write(bytes((i * 7 + j) % 251 for j in range(size)))
        runs = {
            "mktorrent-single.torrent": ["mktorrent", "-l", "15", "-a", "http://127.0.0.1:6969/announce", "-c", "seed", single],
            "mktorrent-multi.torrent": ["mktorrent", "-l", "16", "-p", "-a", "udp://127.0.0.1:6969,http://127.0.0.1:6970/announce",
                                        "-a", "http://127.0.0.1:6971/announce", "-w", "http://127.0.0.1:8000/album", multi],
        }
        for name, cmd in runs.items():
            path = os.path.join(tmp, name)
            subprocess.run(cmd + ["-o", path], check=True, stdout=subprocess.DEVNULL)
            out[name] = open(path, "rb").read()
        cli = os.environ.get("SHOAL_CLI")
        if cli:
            path = os.path.join(tmp, "shoal.torrent")
            subprocess.run(["dotnet", cli, "create", multi, "-t", "http://127.0.0.1:9090/announce", "--no-date", "-o", path],
                           check=True, stdout=subprocess.DEVNULL)
            out["shoal-multi.torrent"] = open(path, "rb").read()
    return out


def merkle_root(hashes, width, pad):
    """Root over `hashes` padded with `pad` to `width` nodes (a power of two); `pad` doubles up each layer."""
    layer = hashes + [pad] * (width - len(hashes))
    while len(layer) > 1:
        layer = [hashlib.sha256(layer[i] + layer[i + 1]).digest() for i in range(0, len(layer), 2)]
        pad = hashlib.sha256(pad + pad).digest()
    return layer[0]


def pow2(n):
    w = 1
    while w < n:
        w *= 2
    return w


def v2_file(data, piece):
    """BEP 52: (pieces root, piece layer) of one file's bytes."""
    leaves = [hashlib.sha256(data[i:i + 16384]).digest() for i in range(0, len(data), 16384)]
    if len(data) <= piece:
        return merkle_root(leaves, pow2(len(leaves)), bytes(32)), b""
    per = piece // 16384
    layer = [merkle_root(leaves[i:i + per], per, bytes(32)) for i in range(0, len(leaves), per)]
    pad = merkle_root([], per, bytes(32))
    return merkle_root(layer, pow2(len(layer)), pad), b"".join(layer)


def v2_torrent(files, piece=16384, hybrid=False):
    """A v2 (or hybrid) .torrent over [(path list, bytes)] in file tree order, with its piece layers."""
    tree, layers, v1, stream = {}, {}, [], b""
    for path, data in files:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        root, layer = v2_file(data, piece)
        node[path[-1]] = {"": {"length": len(data), "pieces root": root} if data else {"length": 0}}
        if layer:
            layers[root] = layer
        v1.append({"length": len(data), "path": path})
        stream += data
        if data and len(stream) % piece:
            gap = piece - len(stream) % piece
            v1.append({"attr": "p", "length": gap, "path": [".pad", str(gap)]})
            stream += bytes(gap)
    info = {"file tree": tree, "meta version": 2, "name": "fuzz-v2", "piece length": piece}
    if hybrid:
        info["files"] = v1
        info["pieces"] = b"".join(hashlib.sha1(stream[i:i + piece]).digest() for i in range(0, len(stream), piece))
    return {"announce": "http://127.0.0.1/a", "info": info, "piece layers": layers}


def v2_seeds():
    files = [(["a"], bytes(range(256)) * 160), (["d", "b"], b"x" * 20000), (["e"], b"")]
    write("torrent", "v2-multi.torrent", be(v2_torrent(files, 16384)))
    write("torrent", "hybrid-multi.torrent", be(v2_torrent(files, 16384, hybrid=True)))
    write("torrent", "info-v2-single", be(v2_torrent([(["fuzz-v2"], b"y" * 50000)], 32768)["info"]))


def wire_v2_seeds(msg):
    """BEP 52: a hash request, its answer (4 hashes and 2 uncles) and a hash reject."""
    root = bytes(range(32, 64))
    header = root + struct.pack(">IIII", 0, 0, 4, 3)
    write("wire", "hashes", b"\x30" + msg(21, header) + msg(22, header + bytes(range(6)) * 32) + msg(23, header))


def info_dict(files=None, length=None, pieces=1, private=False):
    d = {"name": "fuzz", "piece length": 16384, "pieces": bytes(range(20)) * pieces}
    if files is not None:
        d["files"] = [dict({"length": n, "path": p}, **({"attr": "p"} if pad else {})) for p, n, pad in files]
    else:
        d["length"] = length
    if private:
        d["private"] = 1
    return d


def main():
    torrents = real_torrents()

    reset("bencode")
    for name, data in {
        "int": b"i-42e", "string": b"4:spam", "empty-list": b"le", "empty-dict": b"de",
        "list": b"l4:spami0ei-7ee", "nested": be({"a": [1, {"b": "c"}, []], "d": {"e": {}}}),
        "announce": be({"interval": 1800, "peers": b"\x7f\x00\x00\x01\x1a\xe1"}),
    }.items():
        write("bencode", name, data)
    write("bencode", "mktorrent-single.torrent", torrents["mktorrent-single.torrent"])

    reset("torrent")
    for name, data in torrents.items():
        write("torrent", name, data)
    write("torrent", "info-single", be(info_dict(length=16385, pieces=2)))
    write("torrent", "info-padded", be(info_dict(files=[(["a"], 100, False), ([".pad", "16284"], 16284, True), (["b", "c"], 1, False)], pieces=2)))
    write("torrent", "minimal.torrent", be({"announce": "http://127.0.0.1/a", "info": info_dict(length=1), "creation date": 1700000000,
                                            "comment": "c", "created by": "make-seeds", "url-list": "http://127.0.0.1/w"}))
    v2_seeds()

    reset("magnet")
    h = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
    for name, text in {
        "hex": f"magnet:?xt=urn:btih:{h}",
        "full": f"magnet:?xt=urn:btih:{h}&dn=Some+Name%20here&xl=12345&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&tr.1=udp://127.0.0.1:6969"
                f"&x.pe=127.0.0.1:6881&x.pe=[::1]:6882&x.pe=peer.example:6883",
        "base32": "magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&dn=b32",
        "v2-and-v1": f"magnet:?xt=urn:btmh:1220{'ab' * 32}&xt=urn:btih:{h}&ws=http://127.0.0.1/w",
    }.items():
        write("magnet", name, text)

    reset("wire")
    ih, pid = bytes(range(20)), b"-SH0001-" + b"x" * 12
    handshake = b"\x13BitTorrent protocol" + b"\x00\x00\x00\x00\x00\x10\x00\x05" + ih + pid

    def msg(mid, payload=b""):
        return struct.pack(">IB", 1 + len(payload), mid) + payload

    ext = be({"m": {"ut_metadata": 3, "ut_pex": 1}, "metadata_size": 31235, "p": 6881, "reqq": 250,
              "upload_only": 1, "v": "Shoal 0.1", "yourip": b"\x7f\x00\x00\x01"})
    write("wire", "handshake-then-messages", b"\x40" + handshake + msg(20, b"\x00" + ext) + msg(5, b"\xf0") + msg(2) + msg(1))
    write("wire", "requests", b"\x07" + msg(6, struct.pack(">III", 1, 16384, 16384)) + msg(8, struct.pack(">III", 1, 0, 16384))
          + msg(16, struct.pack(">III", 2, 0, 16384)) + b"\x00\x00\x00\x00")
    write("wire", "piece", b"\x05" + msg(7, struct.pack(">II", 3, 0) + b"block-data") + msg(4, struct.pack(">I", 9)))
    write("wire", "fast", b"\xff" + msg(14) + msg(15) + msg(13, struct.pack(">I", 4)) + msg(17, struct.pack(">I", 5)) + msg(9, b"\x1a\xe1"))
    write("wire", "extension-handshake", b"\x20" + msg(20, b"\x00" + ext) + msg(20, b"\x03" + be({"msg_type": 0, "piece": 0})))
    wire_v2_seeds(msg)

    reset("udp-client")
    write("udp-client", "connect", struct.pack(">IIQ", 0, 0x1234, 0x41727101980))
    write("udp-client", "announce-v4", struct.pack(">IIiii", 1, 7, 1800, 3, 4) + b"\x7f\x00\x00\x01\x1a\xe1" + b"\x0a\x00\x00\x02\x1a\xe2")
    write("udp-client", "announce-v6", struct.pack(">IIiii", 1, 7, 900, 0, 1) + b"\x00" * 15 + b"\x01\x1a\xe1")
    write("udp-client", "scrape", struct.pack(">IIiii", 2, 9, 5, 10, 2))
    write("udp-client", "error", struct.pack(">II", 3, 9) + b"torrent not registered")
    write("udp-client", "empty-announce", struct.pack(">II", 1, 7))

    reset("udp-server")

    def framed(*packets):
        return b"".join(struct.pack(">H", len(p)) + p for p in packets)

    connect = struct.pack(">qii", 0x41727101980, 0, 0x55)
    announce = struct.pack(">qii", 0, 1, 0x56) + ih + pid + struct.pack(">qqqiIIiH", 0, 1000, 0, 2, 0, 0xabcd, 50, 6881)
    seeder = struct.pack(">qii", 0, 1, 0x57) + ih + b"-XX0001-" + b"y" * 12 + struct.pack(">qqqiIIiH", 1000, 0, 0, 1, 0x0a000002, 1, -1, 6882)
    scrape = struct.pack(">qii", 0, 2, 0x58) + ih + bytes(20)
    write("udp-server", "connect", b"\x00" + framed(connect))
    write("udp-server", "session-v4", b"\x00" + framed(connect, announce, seeder, scrape))
    write("udp-server", "session-v6-trusted-ip", b"\x03" + framed(announce, seeder, announce))
    write("udp-server", "unknown-action", b"\x00" + framed(struct.pack(">qii", 0, 7, 1) + b"zz"))

    reset("http-response")
    hashed = b"a" * 20
    for name, data in {
        "compact": {"complete": 3, "incomplete": 1, "interval": 1800, "min interval": 60, "peers": b"\x7f\x00\x00\x01\x1a\xe1" * 2,
                    "peers6": b"\x00" * 15 + b"\x01\x1a\xe1", "tracker id": "abc", "warning message": "careful"},
        "dictionary-peers": {"interval": 900, "peers": [{"ip": "127.0.0.1", "peer id": pid, "port": 6881}, {"ip": "::1", "port": 6882}]},
        "failure": {"failure reason": "torrent not registered"},
        "scrape": {"files": {hashed: {"complete": 5, "downloaded": 50, "incomplete": 2}}},
    }.items():
        write("http-response", name, be(data))

    reset("announce-query")
    q_hash = "".join(f"%{b:02x}" for b in ih)
    for name, text in {
        "announce": f"?info_hash={q_hash}&peer_id=-SH0001-xxxxxxxxxxxx&port=6881&uploaded=0&downloaded=0&left=1000&event=started&compact=1&numwant=50",
        "announce-ipv6": f"?info_hash={q_hash}&peer_id=%2dSH0001%2dxxxxxxxxxxxx&port=6881&left=0&no_peer_id=1&ip=127.0.0.1&ipv6=[::1]:6881&ipv4=10.0.0.2",
        "scrape": f"?info_hash={q_hash}&info_hash={'%61' * 20}",
    }.items():
        write("announce-query", name, text)

    reset("resume")
    # ResumeRecordTarget's torrent: three files over five 16 KiB pieces, zero piece hashes.
    info = {"files": [{"length": 30000, "path": ["a.bin"]}, {"attr": "p", "length": 2768, "path": [".pad", "2768"]},
                      {"length": 40000, "path": ["b", "c.bin"]}],
            "name": "fuzz", "piece length": 16384, "pieces": bytes(100)}
    infohash = hashlib.sha1(be(info)).digest()
    # Stamps: size, mtime, ctime (.NET ticks) and inode.
    write("resume", "record", be({"bitfield": b"\xd8", "files": [[30000, 638000000000000000, 638000000000000005, 1234], [-1, 0, 0, 0],
                                                                  [40000, 638000000000000001, 638000000000000006, 1235]],
                                  "info-hash": infohash, "pieces": 5, "version": 2}))
    write("resume", "nothing-verified", be({"bitfield": b"\x00", "files": [[-1, 0, 0, 0], [-1, 0, 0, 0], [-1, 0, 0, 0]], "info-hash": infohash,
                                            "pieces": 5, "version": 2}))

    reset("krpc")
    # KRPC (BEP 5, 32, 42, 43): queries, responses with compact nodes/peers, errors.
    me, other = b"abcdefghij0123456789", b"mnopqrstuvwxyz123456"
    node4 = other + b"\xc0\x00\x02\x07\x1a\xe1"
    node6 = me + b"\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x01\xc8\xd5"
    for name, data in {
        "ping": {"a": {"id": me}, "q": "ping", "t": "aa", "y": "q"},
        "find-node-want": {"a": {"id": me, "target": other, "want": ["n4", "n6"]}, "q": "find_node", "t": "ab", "y": "q", "v": b"LT\x01\x02"},
        "get-peers-ro": {"a": {"id": me, "info_hash": other}, "q": "get_peers", "ro": 1, "t": "\x00\x01", "y": "q"},
        "announce": {"a": {"id": me, "implied_port": 1, "info_hash": other, "port": 6881, "seed": 1, "token": "aoeusnth"},
                     "q": "announce_peer", "t": "ac", "y": "q"},
        "unknown-method": {"a": {"id": me, "target": other}, "q": "sample_infohashes", "t": "ad", "y": "q"},
        "response-nodes": {"ip": b"\xc0\x00\x02\x01\x1a\xe1", "r": {"id": other, "nodes": node4 * 3, "nodes6": node6, "token": "xy"},
                           "t": "aa", "y": "r"},
        "response-values": {"r": {"id": other, "token": "aoeusnth", "values": [b"axje.u", b"idhtnm", b"\x20\x01" + b"\x00" * 14 + b"\x1a\xe1"]},
                            "t": "aa", "y": "r"},
        "error": {"e": [201, "A Generic Error Ocurred"], "t": "aa", "y": "e"},
    }.items():
        write("krpc", name, be(data))

    reset("canary")
    write("canary", "seed", b"AA")


if __name__ == "__main__":
    main()
