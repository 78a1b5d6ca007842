#!/usr/bin/python3
# The reference side of bench/utp-bottleneck.sh: libtorrent -> libtorrent over uTP only (no TCP, DHT, LSD, UPnP),
# each end bound to its network namespace's address.
# usage: seed DATAFILE TORRENT BIND_IP SECONDS | leech TORRENT SEED_IP BIND_IP SAVE_DIR SECONDS
# (the leecher prints "seconds bytes_received peers" every 250 ms)
import os, sys, time, libtorrent as lt
def settings(ip):
    return {"listen_interfaces": "%s:6881" % ip, "outgoing_interfaces": ip, "enable_dht": False, "dht_bootstrap_nodes": "",
            "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False, "enable_outgoing_tcp": False, "enable_incoming_tcp": False,
            "enable_outgoing_utp": True, "enable_incoming_utp": True, "alert_mask": 0}
mode = sys.argv[1]
if mode == "seed":
    data, tpath, ip = sys.argv[2:5]
    fs = lt.file_storage(); lt.add_files(fs, data)
    ct = lt.create_torrent(fs, 1 << 20, flags=lt.create_torrent.v1_only)
    lt.set_piece_hashes(ct, os.path.dirname(data))
    open(tpath, "wb").write(lt.bencode(ct.generate()))
    ses = lt.session(settings(ip))
    ses.add_torrent({"ti": lt.torrent_info(tpath), "save_path": os.path.dirname(data), "flags": lt.torrent_flags.seed_mode})
    print("ready", flush=True)
    time.sleep(float(sys.argv[5]) if len(sys.argv) > 5 else 60)
else:
    tpath, seed_ip, ip, save, seconds = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6])
    ses = lt.session(settings(ip))
    h = ses.add_torrent({"ti": lt.torrent_info(tpath), "save_path": save})
    h.connect_peer((seed_ip, 6881))
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        time.sleep(0.25)
        s = h.status()
        print("%.2f %d %s" % (time.monotonic() - start, s.total_payload_download, s.num_peers), flush=True)
