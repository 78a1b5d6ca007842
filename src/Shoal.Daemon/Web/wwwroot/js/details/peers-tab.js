// Details → Peers: who we are connected to, how, and how fast.

import { clear, el, setText } from '../dom.js';
import * as fmt from '../format.js';
import { KeyedTable } from '../keyed-table.js';

/** The flags of a peer as short words; `on` marks the ones that help the transfer. */
export function peerFlags(p) {
  return [
    { text: p.isUTP ? 'uTP' : 'TCP', on: false },
    // 'e' in flagStr: the handshake was encrypted (MSE) but the stream after it is plaintext, as libtorrent's default picks.
    { text: p.isEncrypted ? 'encrypted' : (p.flagStr ?? '').includes('e') ? 'obfuscated' : 'plain', on: !!p.isEncrypted },
    { text: p.isIncoming ? 'incoming' : 'outgoing', on: false },
    { text: p.clientIsChoked ? 'choked us' : 'unchoked us', on: !p.clientIsChoked },
    { text: p.clientIsInterested ? 'we want' : 'we don\u2019t want', on: !!p.clientIsInterested },
    { text: p.peerIsChoked ? 'we choke' : 'we unchoke', on: !p.peerIsChoked },
    { text: p.peerIsInterested ? 'wants ours' : 'wants nothing', on: !!p.peerIsInterested },
  ];
}

function renderFlags(cell, p) {
  const flags = peerFlags(p);
  const key = flags.map((f) => f.text).join('|');
  if (cell.dataset.flags === key) return;
  cell.dataset.flags = key;
  clear(cell);
  cell.append(el('span', { class: 'flags' }, flags.map((f) => el('span', { class: f.on ? 'flag on' : 'flag', text: f.text }))));
}

function renderProgress(cell, p) {
  if (!cell.firstChild) cell.append(el('span', { class: 'mini-bar', 'aria-hidden': 'true' }, el('span')), el('span'));
  cell.firstChild.firstChild.style.width = `${Math.max(0, Math.min(1, p.progress ?? 0)) * 100}%`;
  setText(cell.lastChild, fmt.percent(p.progress));
}

export class PeersTab {
  fields = ['peers', 'peersFrom', 'peersConnected'];
  #panel;
  #table;
  #summary;

  constructor(panel) {
    this.#panel = panel;
    this.#summary = el('p', { class: 'muted small' });
    this.#table = new KeyedTable([
      { label: 'Address', text: (p) => (p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`) },
      { label: 'Client', text: (p) => p.clientName || 'unknown' },
      { label: 'Flags', render: renderFlags, title: (p) => p.flagStr ?? '' },
      { label: 'Down', num: true, text: (p) => fmt.rate(p.rateToClient) },
      { label: 'Up', num: true, text: (p) => fmt.rate(p.rateToPeer) },
      { label: 'Has', render: renderProgress },
    ], 'Connected peers');
    this.#panel.append(this.#summary, this.#table.element);
  }

  reset() {
    this.#table.update([], () => 0);
    setText(this.#summary, '');
  }

  update(t) {
    const peers = [...(t.peers ?? [])].sort((a, b) => b.rateToClient - a.rateToClient || b.rateToPeer - a.rateToPeer
      || String(a.address).localeCompare(String(b.address)) || a.port - b.port);
    this.#table.update(peers, (p) => `${p.address}|${p.port}`);
    const from = t.peersFrom ?? {};
    const sources = [['tracker', from.fromTracker], ['incoming', from.fromIncoming], ['DHT', from.fromDht], ['PEX', from.fromPex],
      ['local discovery', from.fromLpd], ['cache', from.fromCache], ['extension', from.fromLtep]]
      .filter(([, n]) => n > 0).map(([name, n]) => `${n} from ${name}`);
    setText(this.#summary, peers.length === 0
      ? 'No peers connected.'
      : `${peers.length} connected${sources.length ? ` (${sources.join(', ')})` : ''}`);
  }
}
