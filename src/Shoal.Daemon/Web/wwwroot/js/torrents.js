// The page's copy of the daemon's torrents, kept current by small `recently-active` updates.

import { getTorrents } from './rpc.js';

/** Fields that do not change once a torrent has its metadata: asked for when a torrent is first seen. */
export const staticFields = ['id', 'name', 'hashString', 'totalSize', 'addedDate'];

/** Fields the list shows and sorts by, asked for on every update (for recently active torrents only). */
export const liveFields = [
  'id', 'status', 'error', 'errorString', 'percentDone', 'sizeWhenDone', 'leftUntilDone',
  'rateDownload', 'rateUpload', 'eta', 'uploadRatio', 'peersConnected', 'peersSendingToUs',
  'peersGettingFromUs', 'peersKnown', 'labels', 'queuePosition', 'metadataPercentComplete', 'recheckProgress',
  'isStalled',
];
// peersKnown (peers the torrent knows of, connected or not) is a Shoal addition: Transmission dropped it in RPC 13.
// A daemon that does not have it ignores the name, and the Peers column then shows the connected count alone.

export const Status = Object.freeze({
  stopped: 0, checkWait: 1, checking: 2, downloadWait: 3, downloading: 4, seedWait: 5, seeding: 6,
});

/** The filters of the side bar: key, label, predicate. */
export const stateFilters = [
  { key: 'all', label: 'All', test: () => true },
  { key: 'active', label: 'Active', test: (t) => t.rateDownload > 0 || t.rateUpload > 0 || isChecking(t) },
  { key: 'downloading', label: 'Downloading', test: (t) => t.status === Status.downloading || t.status === Status.downloadWait },
  { key: 'seeding', label: 'Seeding', test: (t) => t.status === Status.seeding || t.status === Status.seedWait },
  { key: 'stopped', label: 'Stopped', test: (t) => t.status === Status.stopped },
  { key: 'checking', label: 'Checking', test: (t) => isChecking(t) },
  { key: 'error', label: 'Error', test: (t) => t.error > 0 },
];

export function isChecking(t) {
  return t.status === Status.checking || t.status === Status.checkWait;
}

/** What the State column says, and a short key the style sheet colours by. */
export function describeState(t) {
  if (t.error === 3) return { text: 'Error', key: 'error' };
  switch (t.status) {
    case Status.stopped: return t.percentDone >= 1 ? { text: 'Completed', key: 'done' } : { text: 'Stopped', key: 'stopped' };
    case Status.checkWait: return { text: 'Queued to check', key: 'queued' };
    case Status.checking: return { text: `Checking ${Math.floor((t.recheckProgress ?? 0) * 100)}%`, key: 'checking' };
    case Status.downloadWait: return { text: 'Queued', key: 'queued' };
    case Status.downloading:
      if (t.metadataPercentComplete < 1) return { text: 'Fetching metadata', key: 'metadata' };
      return t.isStalled ? { text: 'Stalled', key: 'stalled' } : { text: 'Downloading', key: 'downloading' };
    case Status.seedWait: return { text: 'Queued to seed', key: 'queued' };
    case Status.seeding: return { text: 'Seeding', key: 'seeding' };
    default: return { text: 'Unknown', key: 'stopped' };
  }
}

export class TorrentStore extends EventTarget {
  /** @type {Map<number, object>} */
  byId = new Map();
  #rpc;

  constructor(rpc) {
    super();
    this.#rpc = rpc;
  }

  /** Everything about every torrent: the first load. */
  async loadAll() {
    const { torrents } = await getTorrents(this.#rpc, [...new Set([...staticFields, ...liveFields])]);
    this.byId.clear();
    this.#merge(torrents);
    this.#changed({ all: true });
  }

  /**
   * One update: only torrents active in the last moments (and removals); ids given explicitly when the page
   * itself just changed something. New torrents, and magnets whose metadata just arrived, get their static
   * fields in a second small call.
   */
  async refresh(ids = 'recently-active') {
    const { torrents, removed } = await getTorrents(this.#rpc, liveFields, ids);
    const needStatic = [];
    for (const t of torrents) {
      const known = this.byId.get(t.id);
      if (!known || (known.metadataPercentComplete < 1 && t.metadataPercentComplete >= 1)) needStatic.push(t.id);
    }
    this.#merge(torrents);
    let removedAny = false;
    for (const id of removed) removedAny = this.byId.delete(id) || removedAny;
    if (needStatic.length > 0) {
      const reply = await getTorrents(this.#rpc, staticFields, needStatic);
      this.#merge(reply.torrents);
    }
    if (torrents.length > 0 || removedAny) this.#changed({ ids: torrents.map((t) => t.id), removed });
  }

  /** Forgets torrents the daemon says are gone (after the page removed them). */
  forget(ids) {
    for (const id of ids) this.byId.delete(id);
    this.#changed({ removed: ids });
  }

  /** Every label in use, sorted, with how many torrents carry it. */
  labels() {
    const counts = new Map();
    for (const t of this.byId.values()) for (const label of t.labels ?? []) counts.set(label, (counts.get(label) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }

  #merge(torrents) {
    for (const t of torrents) {
      const known = this.byId.get(t.id);
      if (known) Object.assign(known, t);
      else this.byId.set(t.id, t);
    }
  }

  #changed(detail) {
    this.dispatchEvent(new CustomEvent('change', { detail }));
  }
}
