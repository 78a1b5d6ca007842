// Start, stop, verify, label and remove for the selected torrents.

import { byId, setText } from './dom.js';

export class Actions {
  #rpc;
  #store;
  #list;
  #toast;
  #refreshSoon;
  #forget;
  #pendingRemove = [];
  #pendingLabel = [];

  constructor(rpc, store, list, { toast, refreshSoon, forget }) {
    this.#rpc = rpc;
    this.#store = store;
    this.#list = list;
    this.#toast = toast;
    this.#refreshSoon = refreshSoon;
    this.#forget = forget;
    byId('btn-start').addEventListener('click', () => this.start());
    byId('btn-stop').addEventListener('click', () => this.stop());
    byId('btn-verify').addEventListener('click', () => this.verify());
    byId('btn-remove').addEventListener('click', () => this.remove());
    byId('btn-label').addEventListener('click', () => this.label());
    byId('remove-dialog').addEventListener('close', () => this.#onRemoveClosed());
    byId('label-form').addEventListener('submit', (e) => this.#onLabelSaved(e));
    this.updateButtons();
  }

  /** Enables the buttons that act on a selection only when there is one. */
  updateButtons() {
    const none = this.#list.selection.size === 0;
    for (const button of document.querySelectorAll('[data-needs-selection]')) button.disabled = none;
  }

  start() { return this.#simple('torrent-start', 'Started'); }
  stop() { return this.#simple('torrent-stop', 'Stopped'); }
  verify() { return this.#simple('torrent-verify', 'Verifying'); }

  remove() {
    const ids = this.#list.selection.ids();
    if (ids.length === 0) return;
    const names = ids.map((id) => this.#store.byId.get(id)?.name ?? `#${id}`);
    setText(byId('remove-text'), ids.length === 1 ? `Remove “${names[0]}” from the list?` : `Remove these ${ids.length} torrents from the list?`);
    byId('remove-data').checked = false;
    this.#pendingRemove = ids;
    // Esc closes a dialog without touching returnValue: clear the last answer so it cannot be read as this one's.
    byId('remove-dialog').returnValue = '';
    byId('remove-dialog').showModal();
    byId('remove-dialog').querySelector('button[value=cancel]').focus();
  }

  label() {
    const ids = this.#list.selection.ids();
    if (ids.length === 0) return;
    const common = ids.map((id) => this.#store.byId.get(id)?.labels ?? []);
    const first = common[0].join(', ');
    byId('label-input').value = common.every((l) => l.join(', ') === first) ? first : '';
    this.#pendingLabel = ids;
    byId('label-dialog').showModal();
  }

  async #onRemoveClosed() {
    if (byId('remove-dialog').returnValue !== 'remove') return;
    const ids = this.#pendingRemove;
    const deleteData = byId('remove-data').checked;
    try {
      await this.#rpc.call('torrent-remove', { ids, 'delete-local-data': deleteData });
      this.#forget(ids);
      this.#toast(`Removed ${ids.length === 1 ? 'one torrent' : `${ids.length} torrents`}${deleteData ? ' and its data' : ''}`);
    } catch (error) {
      this.#toast(error.message, true);
    }
    this.#list.focus();
  }

  async #onLabelSaved(e) {
    if (e.submitter?.value !== 'save') return;
    const labels = byId('label-input').value.split(',').map((s) => s.trim()).filter(Boolean);
    const ids = this.#pendingLabel;
    try {
      await this.#rpc.call('torrent-set', { ids, labels });
      this.#refreshSoon(ids);
    } catch (error) {
      this.#toast(error.message, true);
    }
  }

  async #simple(method, done) {
    const ids = this.#list.selection.ids();
    if (ids.length === 0) return;
    try {
      await this.#rpc.call(method, { ids });
      this.#toast(`${done}: ${ids.length === 1 ? this.#store.byId.get(ids[0])?.name ?? '' : `${ids.length} torrents`}`);
    } catch (error) {
      this.#toast(error.message, true);
    }
    this.#refreshSoon(ids);
  }
}
