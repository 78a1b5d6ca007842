#!/usr/bin/python3
"""Runs one libtorrent DHT node on 127.0.0.1 for Shoal's DHT interop tests (no torrent, no peer connections).

Settings follow ../shared/INTEROP.md "DHT on loopback": DHT on, no bootstrap routers, loopback nodes allowed in the
routing table and in searches, no LSD/UPnP/NAT-PMP. Nodes are added with add_dht_node (libtorrent never keeps its
bootstrap routers in the table, so they would not do).
Output: one JSON object per line on stdout, each with an "event" field:
  listening {port}                   the DHT's UDP port (the listen port) is up: the first line the driver waits for
  node_id {id}                       our node id (hex)
  peers {info_hash, peers}           a reply to our dht_get_peers carried peers (["IP:PORT", ...]; one line per reply)
  announce_received {info_hash, ip, port}   another node announced a peer to us
  live_nodes {nodes}                 our routing table: [{"id": HEX, "endpoint": "IP:PORT"}, ...]
  error {message, fatal}
Commands on stdin, one per line:
  add_node IP:PORT                   ping a node; it joins the table if it answers
  get_peers HEX                      dht_get_peers; answered by a "peers" line when the search ends
  announce HEX                       add the torrent (a magnet of that info-hash) so libtorrent announces itself on the
                                     DHT with its listen port, as a seeder would, every dht_announce_interval (2 s here);
                                     this Debian binding cannot call dht_announce (its flags type is not exported)
  live_nodes                         report the routing table
  stats                              report the routing table's size: a "stats {nodes}" line
  quit
"""
import argparse
import os
import sys
import warnings

import libtorrent as lt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lt_peer import emit, parse_endpoint, stdin_commands  # noqa: E402  (one copy of the JSON-lines plumbing)

warnings.filterwarnings("ignore", category=DeprecationWarning)  # dht_state(): see node_id()


def endpoint_text(endpoint):
    return "%s:%d" % (endpoint[0], endpoint[1])


def make_session(port):
    return lt.session({
        "listen_interfaces": "127.0.0.1:%d" % port,
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": True,
        "dht_bootstrap_nodes": "",
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "allow_multiple_connections_per_ip": True,
        # Every loopback node shares 127.0.0.1: the per-IP flood guard (5 messages/s, then 5 min blocked) and the DHT
        # upload cap (8 kB/s) would treat the whole test network as one abusive host and drop its queries.
        "dht_block_ratelimit": 1000000,
        "dht_upload_rate_limit": 100000000,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "dht_announce_interval": 2,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "alert_mask": (lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
                       | lt.alert.category_t.dht_notification | lt.alert.category_t.dht_operation_notification),
    }, 0)


def node_id(session):
    """Our DHT node id: the first 20 bytes of dht_state's node-id entry (deprecated in 2.0, but the binding has nothing else)."""
    ids = session.dht_state().get(b"node-id") or []
    return ids[0][:20].hex() if ids else None


def on_command(session, command, state):
    parts = command.split()
    if not parts or parts[0] == "eof":
        return True
    if parts[0] == "quit":
        return False
    if parts[0] == "add_node" and len(parts) == 2:
        session.add_dht_node(parse_endpoint(parts[1]))
    elif parts[0] == "get_peers" and len(parts) == 2:
        session.dht_get_peers(lt.sha1_hash(bytes.fromhex(parts[1])))
    elif parts[0] == "announce" and len(parts) == 2:
        params = lt.parse_magnet_uri("magnet:?xt=urn:btih:" + parts[1])
        params.save_path = state["save"]
        params.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused | lt.torrent_flags.disable_dht)
        params.flags |= lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
        session.add_torrent(params)
    elif parts[0] == "live_nodes":
        session.dht_live_nodes(lt.sha1_hash(bytes.fromhex(node_id(session))))
    elif parts[0] == "stats":
        session.post_dht_stats()
    else:
        emit("error", message="unknown command: " + command, fatal=False)
    return True


def on_alert(alert, state):
    if isinstance(alert, lt.listen_succeeded_alert):
        if not state["listening"] and alert.socket_type == lt.socket_type_t.tcp:  # the DHT shares the listen port
            state["listening"] = True
            emit("listening", port=alert.port)
    elif isinstance(alert, lt.listen_failed_alert):
        emit("error", message="listen failed: " + alert.message(), fatal=True)
        sys.exit(2)
    elif isinstance(alert, lt.dht_get_peers_reply_alert):
        emit("peers", info_hash=str(alert.info_hash), peers=[endpoint_text(p) for p in alert.peers()])
    elif isinstance(alert, lt.dht_announce_alert):
        emit("announce_received", info_hash=str(alert.info_hash), ip=str(alert.ip), port=alert.port)
    elif isinstance(alert, lt.dht_live_nodes_alert):
        emit("live_nodes", nodes=[{"id": str(n["nid"]), "endpoint": endpoint_text(n["endpoint"])} for n in alert.nodes])
    elif isinstance(alert, lt.dht_stats_alert):
        emit("stats", nodes=sum(b["num_nodes"] for b in alert.routing_table))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--node", action="append", default=[], help="IP:PORT of a DHT node to add at start; repeatable")
    p.add_argument("--save", required=True, help="folder for the torrents added by 'announce' (nothing is downloaded)")
    args = p.parse_args()

    session = make_session(args.port)
    for node in args.node:
        session.add_dht_node(parse_endpoint(node))
    commands = stdin_commands()
    parent = os.getppid()
    state = {"listening": False, "id_sent": False, "save": args.save}
    while True:
        session.wait_for_alert(50)
        for alert in session.pop_alerts():
            on_alert(alert, state)
        if state["listening"] and not state["id_sent"] and node_id(session):
            state["id_sent"] = True
            emit("node_id", id=node_id(session))
        while not commands.empty():
            if not on_command(session, commands.get(), state):
                return 0
        if os.getppid() != parent:  # the driver died: never outlive it
            return 0


if __name__ == "__main__":
    sys.exit(main())
