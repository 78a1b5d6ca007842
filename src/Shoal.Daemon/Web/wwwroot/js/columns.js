// The torrent list's columns: how each is shown and how it sorts.

import * as fmt from './format.js';
import { describeState } from './torrents.js';

const byNumber = (pick) => (a, b) => (pick(a) ?? -Infinity) - (pick(b) ?? -Infinity);
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Transmission's ETA: -1 not applicable (sorts last), -2 unknown (sorts just before). */
const etaKey = (t) => (t.eta >= 0 ? t.eta : t.eta === -2 ? Number.MAX_SAFE_INTEGER - 1 : Number.MAX_SAFE_INTEGER);

export function peersText(t) {
  const connected = t.peersConnected ?? 0;
  return t.peersKnown >= 0 ? `${connected} / ${t.peersKnown}` : String(connected);
}

export const columns = [
  { key: 'name', label: 'Name', compare: (a, b) => collator.compare(a.name ?? '', b.name ?? '') },
  { key: 'size', label: 'Size', numeric: true, compare: byNumber((t) => t.sizeWhenDone || t.totalSize), text: (t) => fmt.size(t.sizeWhenDone || t.totalSize) },
  { key: 'progress', label: 'Progress', compare: byNumber((t) => t.percentDone) },
  { key: 'state', label: 'State', compare: (a, b) => collator.compare(describeState(a).text, describeState(b).text) },
  { key: 'down', label: 'Down', numeric: true, compare: byNumber((t) => t.rateDownload), text: (t) => fmt.rate(t.rateDownload) },
  { key: 'up', label: 'Up', numeric: true, compare: byNumber((t) => t.rateUpload), text: (t) => fmt.rate(t.rateUpload) },
  { key: 'eta', label: 'ETA', numeric: true, compare: (a, b) => etaKey(a) - etaKey(b), text: (t) => fmt.eta(t.eta) },
  { key: 'ratio', label: 'Ratio', numeric: true, compare: byNumber((t) => (t.uploadRatio === -2 ? Infinity : t.uploadRatio)), text: (t) => fmt.ratio(t.uploadRatio) },
  { key: 'peers', label: 'Peers', numeric: true, title: 'connected / known in the swarm', compare: byNumber((t) => t.peersConnected), text: peersText },
  { key: 'label', label: 'Label', compare: (a, b) => collator.compare((a.labels ?? []).join(','), (b.labels ?? []).join(',')), text: (t) => (t.labels ?? []).join(', ') },
  { key: 'added', label: 'Added', hidden: true, compare: byNumber((t) => t.addedDate) },
  { key: 'queue', label: 'Queue', hidden: true, compare: byNumber((t) => t.queuePosition) },
];

export const columnByKey = new Map(columns.map((c) => [c.key, c]));

/** A comparator for the chosen column and direction, with name then id as tie-breakers so order is stable. */
export function comparator(key, descending) {
  const column = columnByKey.get(key) ?? columnByKey.get('name');
  const name = columnByKey.get('name').compare;
  const sign = descending ? -1 : 1;
  return (a, b) => sign * column.compare(a, b) || name(a, b) || a.id - b.id;
}
