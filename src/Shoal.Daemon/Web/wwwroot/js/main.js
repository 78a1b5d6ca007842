// Start-up and wiring: the list, filters, actions, dialogs, details and the update loop.

import { byId, setText } from './dom.js';
import { Rpc } from './rpc.js';
import { TorrentStore } from './torrents.js';
import { ListView } from './list-view.js';
import { Sidebar } from './sidebar.js';
import { DetailsView } from './details/details-view.js';
import { Session } from './session.js';
import { AddDialog } from './add-dialog.js';
import { Actions } from './actions.js';
import { Poller } from './poller.js';
import { toast } from './toast.js';
import { wireShortcuts } from './shortcuts.js';
import { columns } from './columns.js';
import { Preferences } from './preferences.js';

const rpc = new Rpc();
const store = new TorrentStore(rpc);
const prefs = new Preferences();
const list = new ListView(store, {
  grid: byId('grid'), viewport: byId('grid-viewport'), rows: byId('grid-rows'), header: byId('grid-head'), empty: byId('grid-empty'),
});
const session = new Session(rpc, toast);
const details = new DetailsView(rpc, { toast, refreshSoon: (ids) => poller.soon(ids) });
const poller = new Poller({ store, session, details, onStatus: showConnection });
const actions = new Actions(rpc, store, list, { toast, refreshSoon: (ids) => poller.soon(ids), forget: (ids) => store.forget(ids) });
const sidebar = new Sidebar(store, list, prefs);
const add = new AddDialog(rpc, session, store, { toast, afterAdd: (ids) => poller.soon(ids) });

store.addEventListener('change', () => {
  list.update();
  sidebar.update();
  showCounts();
});
list.selection.addEventListener('change', () => {
  actions.updateButtons();
  showCounts();
  if (details.isOpen && list.selection.active !== null && list.selection.active !== details.id) details.open(list.selection.active);
});
list.addEventListener('open', (e) => details.open(e.detail));
details.addEventListener('toggle', () => {
  byId('btn-details').setAttribute('aria-expanded', String(details.isOpen));
  if (!details.isOpen) list.focus();
});
details.addEventListener('error', (e) => toast(e.detail.message, true));
byId('btn-add').addEventListener('click', () => add.open());
byId('btn-details').addEventListener('click', () => {
  if (details.isOpen) return details.close();
  const id = list.selection.active ?? list.selection.ids()[0];
  if (id !== undefined && id !== null) details.open(id);
});
byId('btn-help').addEventListener('click', () => byId('help-dialog').showModal());

// Sorting: column headers on wide screens, a menu (and a direction button) on phones.
const sortSelect = byId('sort-select');
for (const column of columns) sortSelect.append(new Option(column.label, column.key));
sortSelect.addEventListener('change', () => list.setSort(sortSelect.value, list.sortDescending));
byId('btn-sort-dir').addEventListener('click', () => list.setSort(list.sortKey, !list.sortDescending));
list.addEventListener('sort', () => {
  sortSelect.value = list.sortKey;
  byId('btn-sort-dir').setAttribute('aria-pressed', String(list.sortDescending));
  prefs.save({ sortKey: list.sortKey, sortDescending: list.sortDescending });
});
list.setSort(prefs.value.sortKey ?? 'name', prefs.value.sortDescending ?? false);

wireShortcuts({ details, actions, add, session, search: byId('search') });

function showCounts() {
  const total = store.byId.size;
  const shown = list.visible.length;
  const selected = list.selection.size;
  const parts = [`${total.toLocaleString()} torrent${total === 1 ? '' : 's'}`];
  if (shown !== total) parts.push(`${shown.toLocaleString()} shown`);
  if (selected > 0) parts.push(`${selected.toLocaleString()} selected`);
  setText(byId('status-counts'), parts.join(' · '));
  setText(byId('list-summary'), parts.join(' · '));
}

function showConnection(error) {
  const node = byId('connection');
  node.classList.toggle('bad', !!error);
  setText(node, error ? `${error.message} — retrying` : '');
}

performance.mark('shoal-start');
poller.start().then(() => {
  // Marked after the browser has laid out and painted the first full list: what a person waits for.
  requestAnimationFrame(() => setTimeout(() => performance.mark('shoal-list-shown'), 0));
});
