#!/usr/bin/python3
"""Runs one libtorrent peer for Shoal's interop tests and benchmarks.

Every setting follows ../shared/INTEROP.md: bound to 127.0.0.1, no DHT/LSD/UPnP/NAT-PMP, no uTP, PEX only on request.
Machine-readable output: one JSON object per line on stdout, each with an "event" field:
  listening {port}            the session listens (first line the driver waits for)
  added {info_hash, name}     the torrent was added (info_hash is null for a magnet until its metadata arrives)
  metadata {info_hash, name}  a magnet's metadata arrived
  status {...}                periodic: state, progress, rates, peers, totals
  finished {...}              every wanted piece is present and verified (sent once)
  tracker_reply / tracker_error / peer_connected / peer_disconnected / hash_failed   informational
  dht_running                 (with --dht-first) the DHT node runs; the torrent is added now
  dht_reply {peers}           (with --dht) a DHT node's get_peers reply for the torrent carried this many peers
  error {message, fatal}      fatal errors end the process with exit code 2
  created {info_hash, magnet, path}   (create mode)
Commands, one per line on stdin: "connect IP:PORT", "reannounce", "quit".
The file must not be named libtorrent.py, or `import libtorrent` would import itself.
"""
import argparse
import json
import os
import queue
import signal
import sys
import threading
import time

import libtorrent as lt


START = time.monotonic()


def emit(event, **fields):
    fields["event"] = event
    fields["t"] = round(time.monotonic() - START, 3)
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def fail(message):
    emit("error", message=message, fatal=True)
    sys.exit(2)


def parse_endpoint(text):
    host, _, port = text.rpartition(":")
    return (host.strip("[]"), int(port))


def info_hash_hex(handle_or_info):
    hashes = handle_or_info.info_hashes()
    # A v2-only torrent is known on the wire (and to trackers) by its v2 hash truncated to 20 bytes.
    return str(hashes.v1) if hashes.has_v1() else str(hashes.v2)[:40] if hashes.has_v2() else None


def session_settings(args):
    return {
        "listen_interfaces": "127.0.0.1:%d" % args.port,
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "dht_bootstrap_nodes": "",
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        # Every lab peer is 127.0.0.1; without this a loopback swarm collapses to one peer per address.
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        # Rate limits apply to loopback peers only with this off.
        "ignore_limits_on_local_network": False,
        "upload_rate_limit": args.upload_limit,
        "download_rate_limit": args.download_limit,
        "min_announce_interval": 1,
        "stop_tracker_timeout": 1,
        # Peers that were not up yet when first tried are retried quickly instead of after 60 s.
        "min_reconnect_time": 1,
        "alert_mask": (lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
                       | lt.alert.category_t.tracker_notification | lt.alert.category_t.storage_notification
                       | lt.alert.category_t.connect_notification),
    }


def parse_setting(text):
    key, _, value = text.partition("=")
    if value in ("true", "false"):
        return key, value == "true"
    try:
        return key, int(value)
    except ValueError:
        return key, value


def make_session(args):
    settings = session_settings(args)
    if args.dht:
        # INTEROP.md "DHT on loopback": only the nodes given with --set dht_bootstrap_nodes=127.0.0.1:PORT, and
        # loopback nodes allowed in the routing table and in searches.
        settings.update({"enable_dht": True, "dht_restrict_routing_ips": False, "dht_restrict_search_ips": False,
                         # every loopback node shares 127.0.0.1: no per-IP flood guard, no DHT upload cap (see lt_dht.py)
                         "dht_block_ratelimit": 1000000, "dht_upload_rate_limit": 100000000})
        # dht_reply_alert: when a DHT node's reply brings the torrent peers (the "dht_reply" line).
        settings["alert_mask"] |= lt.alert.category_t.dht_notification
    settings.update(parse_setting(s) for s in args.set)
    session = lt.session(settings, 0)  # 0: no default plugins, so no ut_pex unless asked
    session.add_extension("ut_metadata")
    session.add_extension("smart_ban")
    if args.pex:
        session.add_extension("ut_pex")
    return session


def add_params(args):
    if args.torrent:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(args.torrent)
    else:
        params = lt.parse_magnet_uri(args.magnet)
    params.save_path = args.save
    params.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    params.flags |= lt.torrent_flags.disable_lsd
    if not args.dht:
        params.flags |= lt.torrent_flags.disable_dht
    if not args.pex:
        params.flags |= lt.torrent_flags.disable_pex
    return params


def status_fields(handle):
    s = handle.status()
    return dict(
        state=str(s.state).split(".")[-1],
        progress=s.progress,
        total_done=s.total_done,
        total_wanted=s.total_wanted,
        download_rate=s.download_payload_rate,
        upload_rate=s.upload_payload_rate,
        total_download=s.total_payload_download,
        total_upload=s.total_payload_upload,
        peers=s.num_peers,
        seeds=s.num_seeds,
        is_finished=s.is_finished,
        is_seeding=s.is_seeding,
        paused=bool(s.flags & lt.torrent_flags.paused),
        error=s.errc.message() if s.errc.value() != 0 else None,
    ), s


def stdin_commands():
    commands = queue.Queue()

    def pump():
        for line in sys.stdin:
            commands.put(line.strip())
        commands.put("eof")

    threading.Thread(target=pump, daemon=True).start()
    return commands


class Peer:
    def __init__(self, args):
        self.args = args
        self.session = make_session(args)
        self.handle = None
        self.finished_sent = False
        self.metadata_sent = args.torrent is not None
        self.listening = False

    def run(self):
        if self.args.dht_first:
            self.wait_for_dht_bootstrap()
        self.handle = self.session.add_torrent(add_params(self.args))
        commands = stdin_commands()
        parent = os.getppid()
        next_status = 0.0
        next_reannounce = time.monotonic() + self.args.reannounce_every if self.args.reannounce_every > 0 else None
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while True:
            self.session.wait_for_alert(50)
            for alert in self.session.pop_alerts():
                self.on_alert(alert)
            if stop.is_set():
                return self.flush_and_stop()
            while not commands.empty():
                if not self.on_command(commands.get()):
                    return self.flush_and_stop()
            now = time.monotonic()
            if next_reannounce is not None and now >= next_reannounce:
                self.handle.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
                next_reannounce = now + self.args.reannounce_every
            if now >= next_status:
                next_status = now + self.args.status_interval
                fields, s = status_fields(self.handle)
                emit("status", **fields)
                self.check_finished(s)
            if os.getppid() != parent:  # the driver died: never outlive it
                return 0

    def wait_for_dht_bootstrap(self):
        # libtorrent 2.0 schedules a torrent's first DHT announce when it is added only if the DHT node already runs;
        # a torrent added with the session waits for the periodic announce (dht_announce_interval, 15 min by default).
        # (Waiting for dht_bootstrap_alert instead can take many seconds: that alert comes only once a whole refresh ends.)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.session.wait_for_alert(5)
            for alert in self.session.pop_alerts():
                self.on_alert(alert)
            if self.session.is_dht_running():
                emit("dht_running")
                return
        emit("error", message="the DHT did not start within 10 s; adding the torrent anyway", fatal=False)

    def flush_and_stop(self):
        # libtorrent reports a piece (and the torrent) finished once it is hashed, possibly before its blocks have left
        # the store buffer for the file: flush them before exiting, or whoever reads the file next may miss them.
        self.handle.flush_cache()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.session.wait_for_alert(100)
            if any(isinstance(a, lt.cache_flushed_alert) for a in self.session.pop_alerts()):
                break
        return 0

    def check_finished(self, s):
        if self.finished_sent or not self.metadata_sent:
            return
        if s.is_finished and s.state in (lt.torrent_status.states.finished, lt.torrent_status.states.seeding):
            self.finished_sent = True
            fields, _ = status_fields(self.handle)
            emit("finished", **fields)

    def on_command(self, command):
        if command == "quit":
            return False
        if command in ("", "eof"):  # stdin closed: keep running; the parent check ends an orphan
            return True
        if command == "reannounce":
            self.handle.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
        elif command.startswith("connect "):
            self.handle.connect_peer(parse_endpoint(command[len("connect "):]))
        else:
            emit("error", message="unknown command: " + command, fatal=False)
        return True

    def on_alert(self, a):
        if isinstance(a, lt.listen_succeeded_alert):
            if not self.listening and a.socket_type == lt.socket_type_t.tcp:
                self.listening = True
                emit("listening", port=a.port, address=str(a.address))
        elif isinstance(a, lt.listen_failed_alert):
            fail("listen failed on %s:%d: %s" % (a.address, a.port, a.error.message()))
        elif isinstance(a, lt.add_torrent_alert):
            if a.error.value() != 0:
                fail("add torrent failed: " + a.error.message())
            h = a.handle
            ti = h.torrent_file()
            emit("added", info_hash=info_hash_hex(ti) if ti else self.magnet_hash(), name=ti.name() if ti else None)
            for peer in self.args.peer:
                h.connect_peer(parse_endpoint(peer))
        elif isinstance(a, lt.metadata_received_alert):
            ti = a.handle.torrent_file()
            self.metadata_sent = True
            emit("metadata", info_hash=info_hash_hex(ti), name=ti.name())
        elif isinstance(a, lt.torrent_finished_alert):
            self.check_finished(self.handle.status())
        elif isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
            fail("%s: %s" % (type(a).__name__, a.message()))
        elif isinstance(a, lt.tracker_reply_alert):
            emit("tracker_reply", url=a.tracker_url(), peers=a.num_peers)
        elif isinstance(a, lt.tracker_error_alert):
            emit("tracker_error", url=a.tracker_url(), message=a.message())
        elif isinstance(a, lt.hash_failed_alert):
            emit("hash_failed", piece=a.piece_index)
        elif isinstance(a, lt.dht_reply_alert):
            emit("dht_reply", peers=a.num_peers)
        elif isinstance(a, lt.peer_connect_alert):
            emit("peer_connected", endpoint="%s:%d" % a.endpoint)
        elif isinstance(a, lt.peer_disconnected_alert):
            emit("peer_disconnected", endpoint="%s:%d" % a.endpoint, reason=a.error.message())

    def magnet_hash(self):
        params = lt.parse_magnet_uri(self.args.magnet)
        return str(params.info_hashes.v1) if params.info_hashes.has_v1() else None


def create(args):
    fs = lt.file_storage()
    lt.add_files(fs, args.path)
    if fs.num_files() == 0:
        fail("nothing to add under " + args.path)
    # Hybrid (v1+v2) torrents carry BEP 47 pad files and v2 keys that a v1 client must tolerate.
    flags = lt.create_torrent.v2_only if args.v2 else 0 if args.hybrid else lt.create_torrent.v1_only
    t = lt.create_torrent(fs, args.piece_size, flags=flags)
    for tier, url in enumerate(args.tracker):
        t.add_tracker(url, tier)
    t.set_priv(args.private)
    t.set_creator("shoal-tests lt_peer.py")
    lt.set_piece_hashes(t, os.path.dirname(os.path.abspath(args.path)))
    with open(args.out, "wb") as f:
        f.write(lt.bencode(t.generate()))
    ti = lt.torrent_info(args.out)
    emit("created", info_hash=info_hash_hex(ti), magnet=lt.make_magnet_uri(ti), path=args.out)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    for mode in ("seed", "download"):
        m = sub.add_parser(mode)
        source = m.add_mutually_exclusive_group(required=True)
        source.add_argument("--torrent")
        source.add_argument("--magnet")
        m.add_argument("--save", required=True, help="folder holding (seed) or receiving (download) the torrent's content")
        m.add_argument("--port", type=int, required=True)
        m.add_argument("--peer", action="append", default=[], help="IP:PORT to connect to; repeatable")
        m.add_argument("--upload-limit", type=int, default=0, help="bytes/s, 0 = unlimited")
        m.add_argument("--download-limit", type=int, default=0, help="bytes/s, 0 = unlimited")
        m.add_argument("--pex", action="store_true", help="enable ut_pex")
        m.add_argument("--dht", action="store_true",
                       help="use the DHT (loopback only: set dht_bootstrap_nodes with --set; see INTEROP.md)")
        m.add_argument("--dht-first", action="store_true",
                       help="add the torrent once the DHT node runs (else libtorrent's first DHT announce waits "
                            "for dht_announce_interval)")
        m.add_argument("--reannounce-every", type=float, default=0, help="seconds between forced re-announces, 0 = off")
        m.add_argument("--status-interval", type=float, default=0.25)
        m.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                       help="extra libtorrent setting (int, true/false or string); repeatable")
    c = sub.add_parser("create")
    c.add_argument("--path", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--tracker", action="append", default=[])
    c.add_argument("--piece-size", type=int, default=262144)
    c.add_argument("--private", action="store_true")
    c.add_argument("--hybrid", action="store_true", help="v1+v2 hybrid with pad files instead of v1 only")
    c.add_argument("--v2", action="store_true", help="v2 only (BEP 52) instead of v1 only")
    args = p.parse_args()
    if args.mode == "create":
        return create(args)
    if args.mode == "seed" and args.magnet:
        fail("seed needs --torrent")
    return Peer(args).run()


if __name__ == "__main__":
    sys.exit(main())
