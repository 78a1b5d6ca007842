// Details → Trackers: each announce URL with its tier, the last announce and its answer, swarm counts and
// when the next announce is due.

import { el, setText } from '../dom.js';
import * as fmt from '../format.js';
import { KeyedTable } from '../keyed-table.js';

const nowSeconds = () => Date.now() / 1000;

function lastAnnounce(s) {
  if (!s.hasAnnounced) return 'not yet';
  const when = fmt.relative(s.lastAnnounceTime, nowSeconds());
  if (s.lastAnnounceTimedOut) return `${when}: timed out`;
  if (s.lastAnnounceSucceeded) return `${when}: ${s.lastAnnounceResult || 'ok'}${s.lastAnnouncePeerCount >= 0 ? `, ${s.lastAnnouncePeerCount} peers` : ''}`;
  return `${when}: ${s.lastAnnounceResult || 'failed'}`;
}

function nextAnnounce(s) {
  // announceState: 0 inactive, 1 waiting, 2 queued, 3 active (announcing now).
  if (s.announceState === 3) return 'announcing…';
  if (s.announceState === 0 || !(s.nextAnnounceTime > 0)) return '–';
  return fmt.relative(s.nextAnnounceTime, nowSeconds());
}

const count = (n) => (typeof n === 'number' && n >= 0 ? fmt.count(n) : '–');

export class TrackersTab {
  fields = ['trackerStats', 'isPrivate'];
  #table;
  #summary;

  constructor(panel) {
    this.#summary = el('p', { class: 'muted small' });
    this.#table = new KeyedTable([
      { label: 'Tier', num: true, text: (s) => String((s.tier ?? 0) + 1) },
      { label: 'URL', wrap: true, text: (s) => s.announce },
      { label: 'Last announce', wrap: true, text: lastAnnounce },
      { label: 'Seeders', num: true, text: (s) => count(s.seederCount) },
      { label: 'Leechers', num: true, text: (s) => count(s.leecherCount) },
      { label: 'Downloads', num: true, text: (s) => count(s.downloadCount) },
      { label: 'Next announce', text: nextAnnounce },
    ], 'Trackers');
    panel.append(this.#summary, this.#table.element);
  }

  reset() {
    this.#table.update([], () => 0);
    setText(this.#summary, '');
  }

  update(t) {
    const stats = [...(t.trackerStats ?? [])].sort((a, b) => a.tier - b.tier || a.id - b.id);
    this.#table.update(stats, (s) => `${s.id}|${s.announce}`);
    for (const [i, s] of stats.entries()) {
      const cell = this.#table.body.children[i]?.children[2];
      if (cell) cell.classList.toggle('bad', s.hasAnnounced && !s.lastAnnounceSucceeded);
    }
    setText(this.#summary, stats.length === 0
      ? 'No trackers: peers come from DHT, peer exchange and local discovery.'
      : `${stats.length} tracker${stats.length === 1 ? '' : 's'}${t.isPrivate ? ' (private torrent)' : ''}`);
  }
}
