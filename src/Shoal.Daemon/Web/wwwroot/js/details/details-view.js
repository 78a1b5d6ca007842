// The details pane of one torrent. Only the open tab's fields are asked for, once per update.

import { byId, setAttr, setText } from '../dom.js';
import { getTorrents } from '../rpc.js';
import { GeneralTab } from './general-tab.js';
import { FilesTab } from './files-tab.js';
import { PeersTab } from './peers-tab.js';
import { TrackersTab } from './trackers-tab.js';
import { PiecesTab } from './pieces-tab.js';

const tabNames = ['general', 'files', 'peers', 'trackers', 'pieces'];

export class DetailsView extends EventTarget {
  id = null;
  #rpc;
  #section;
  #tabs = {};
  #current = 'general';
  #loading = false;

  /** actions: { toast(text, bad), refreshSoon() } */
  constructor(rpc, actions) {
    super();
    this.#rpc = rpc;
    this.#section = byId('details');
    const shared = {
      rpc,
      id: () => this.id,
      toast: actions.toast,
      refreshSoon: () => { this.refresh(); actions.refreshSoon([this.id]); },
      setTorrent: async (args) => {
        try {
          await rpc.call('torrent-set', { ids: [this.id], ...args });
        } catch (error) {
          actions.toast(error.message, true);
        }
        this.refresh();
      },
    };
    this.#tabs = {
      general: new GeneralTab(byId('panel-general'), shared),
      files: new FilesTab(byId('panel-files'), shared),
      peers: new PeersTab(byId('panel-peers')),
      trackers: new TrackersTab(byId('panel-trackers')),
      pieces: new PiecesTab(byId('panel-pieces')),
    };
    const tablist = this.#section.querySelector('[role=tablist]');
    for (const name of tabNames) byId(`tab-${name}`).addEventListener('click', () => this.showTab(name));
    tablist.addEventListener('keydown', (e) => this.#onTabKey(e));
    byId('details-back').addEventListener('click', () => this.close());
  }

  get isOpen() {
    return !this.#section.hidden;
  }

  /** Shows the torrent (or switches to it) and loads the open tab. */
  open(id) {
    if (this.id !== id) {
      this.id = id;
      for (const tab of Object.values(this.#tabs)) tab.reset();
    }
    const wasOpen = this.isOpen;
    this.#section.hidden = false;
    this.dispatchEvent(new Event('toggle'));
    this.refresh();
    if (!wasOpen) byId(`tab-${this.#current}`).focus();
  }

  close() {
    if (!this.isOpen) return;
    this.#section.hidden = true;
    this.dispatchEvent(new Event('toggle'));
  }

  showTab(name) {
    this.#current = name;
    for (const n of tabNames) {
      const selected = n === name;
      const tab = byId(`tab-${n}`);
      setAttr(tab, 'aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      byId(`panel-${n}`).hidden = !selected;
    }
    this.refresh();
  }

  /** One update of the open tab; skipped while the previous one is still on its way. */
  async refresh() {
    if (!this.isOpen || this.id === null || this.#loading) return;
    this.#loading = true;
    const id = this.id;
    const tab = this.#tabs[this.#current];
    try {
      const { torrents } = await getTorrents(this.#rpc, ['id', 'name', ...tab.fields], [id]);
      const t = torrents[0];
      if (this.id !== id) return;
      if (!t) {
        setText(byId('details-name'), 'This torrent was removed.');
        return;
      }
      setText(byId('details-name'), t.name ?? '');
      tab.update(t);
    } catch (error) {
      this.dispatchEvent(new CustomEvent('error', { detail: error }));
    } finally {
      this.#loading = false;
    }
  }

  #onTabKey(e) {
    const index = tabNames.indexOf(this.#current);
    let next = null;
    if (e.key === 'ArrowRight') next = (index + 1) % tabNames.length;
    else if (e.key === 'ArrowLeft') next = (index + tabNames.length - 1) % tabNames.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabNames.length - 1;
    if (next === null) return;
    e.preventDefault();
    this.showTab(tabNames[next]);
    byId(`tab-${tabNames[next]}`).focus();
  }
}
