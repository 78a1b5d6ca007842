#!/usr/bin/python3
"""One libtorrent peer for the tracker interop tests, configured per ../shared/INTEROP.md (127.0.0.1 only; no DHT,
LSD, UPnP, NAT-PMP, PEX or uTP). Its only way to find peers is the torrent's tracker.
Prints one line per event: "listening PORT", "tracker_reply N", "tracker_error MSG", "finished", "error MSG".
Runs until killed. Usage: tracker_lt_peer.py --torrent F --save DIR --port P
"""
import argparse
import sys
import time

import libtorrent as lt


def say(*parts):
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--torrent", required=True)
    parser.add_argument("--save", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--reannounce", type=float, default=0, help="force an announce every N seconds")
    args = parser.parse_args()

    session = lt.session({
        "listen_interfaces": "127.0.0.1:%d" % args.port,
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "dht_bootstrap_nodes": "",
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "min_announce_interval": 1,
        "stop_tracker_timeout": 1,
        "min_reconnect_time": 1,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
        | lt.alert.category_t.tracker_notification,
    }, 0)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(args.torrent)
    params.save_path = args.save
    params.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    params.flags |= lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
    handle = session.add_torrent(params)
    say("listening", session.listen_port())

    finished = False
    last_announce = time.monotonic()
    while True:
        session.wait_for_alert(250)
        for alert in session.pop_alerts():
            if isinstance(alert, lt.tracker_reply_alert):
                say("tracker_reply", alert.num_peers)
            elif isinstance(alert, lt.tracker_error_alert):
                say("tracker_error", alert.message())
            elif isinstance(alert, lt.tracker_warning_alert):
                say("tracker_warning", alert.message())
        status = handle.status()
        if not finished and status.is_seeding:
            finished = True
            say("finished")
        if args.reannounce and time.monotonic() - last_announce >= args.reannounce:
            last_announce = time.monotonic()
            handle.force_reannounce()


if __name__ == "__main__":
    main()
