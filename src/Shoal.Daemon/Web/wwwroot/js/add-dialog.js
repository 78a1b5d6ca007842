// Adding torrents: magnet links (or URLs) pasted, .torrent files picked or dropped anywhere on the page,
// a folder, a label, started or paused, and optionally a file choice before anything is downloaded.

import { byId, clear, el, setText } from './dom.js';
import * as fmt from './format.js';
import { chooseFiles } from './choose-files.js';

const maxTorrentFileBytes = 10 * 1024 * 1024;

export class AddDialog {
  #rpc;
  #session;
  #store;
  #toast;
  #afterAdd;
  #files = [];
  #dialog = byId('add-dialog');
  #spaceTimer = 0;

  /** afterAdd(ids): the list refreshes those torrents at once. */
  constructor(rpc, session, store, { toast, afterAdd }) {
    this.#rpc = rpc;
    this.#session = session;
    this.#store = store;
    this.#toast = toast;
    this.#afterAdd = afterAdd;
    byId('add-files').addEventListener('change', (e) => { this.#addFiles(e.target.files); e.target.value = ''; });
    byId('add-cancel').addEventListener('click', () => this.#dialog.close());
    byId('add-form').addEventListener('submit', (e) => { e.preventDefault(); this.#submit(); });
    byId('add-dir').addEventListener('input', () => this.#showFreeSpaceSoon());
    this.#dialog.addEventListener('dragover', (e) => e.preventDefault());
    this.#dialog.addEventListener('drop', (e) => { e.preventDefault(); e.stopPropagation(); this.#addFiles(e.dataTransfer.files); });
    this.#wireDropAnywhere();
  }

  open(files = []) {
    if (!this.#dialog.open) {
      this.#files = [];
      byId('add-magnet').value = '';
      byId('add-dir').value = this.#session.settings['download-dir'] ?? '';
      byId('add-label').value = '';
      byId('add-start').checked = this.#session.settings['start-added-torrents'] !== false;
      byId('add-choose').checked = false;
      setText(byId('add-error'), '');
      const options = byId('label-options');
      clear(options);
      for (const [label] of this.#store.labels()) options.append(el('option', { value: label }));
      this.#dialog.showModal();
      this.#showFreeSpaceSoon(0);
    }
    this.#addFiles(files);
    if (files.length === 0) byId('add-magnet').focus();
  }

  #addFiles(list) {
    for (const file of list) {
      if (!this.#files.some((f) => f.name === file.name && f.size === file.size)) this.#files.push(file);
    }
    const chips = byId('add-file-list');
    clear(chips);
    for (const file of this.#files) {
      chips.append(el('li', {}, el('span', { text: file.name, title: file.name }), el('button', {
        type: 'button', 'aria-label': `Do not add ${file.name}`, text: '×',
        on: { click: () => { this.#files = this.#files.filter((f) => f !== file); this.#addFiles([]); } },
      })));
    }
  }

  #showFreeSpaceSoon(delay = 400) {
    clearTimeout(this.#spaceTimer);
    this.#spaceTimer = setTimeout(async () => {
      const dir = byId('add-dir').value.trim();
      const free = dir ? await this.#session.freeSpaceOf(dir) : null;
      setText(byId('add-dir-space'), free === null || free < 0 ? '' : `${fmt.size(free)} free there`);
    }, delay);
  }

  async #submit() {
    const links = byId('add-magnet').value.split(/\s+/).map((s) => s.trim()).filter(Boolean);
    const bad = links.find((l) => !/^(magnet:\?|https?:\/\/)/i.test(l));
    if (bad) return setText(byId('add-error'), `Not a magnet link or URL: ${bad.slice(0, 80)}`);
    if (links.length === 0 && this.#files.length === 0) return setText(byId('add-error'), 'Paste a magnet link or choose .torrent files.');
    const tooBig = this.#files.find((f) => f.size > maxTorrentFileBytes);
    if (tooBig) return setText(byId('add-error'), `${tooBig.name} is larger than ${fmt.size(maxTorrentFileBytes)}: not a .torrent file?`);

    const start = byId('add-start').checked;
    const choose = byId('add-choose').checked;
    const common = {};
    const dir = byId('add-dir').value.trim();
    if (dir) common['download-dir'] = dir;
    const label = byId('add-label').value.trim();
    if (label) common.labels = label.split(',').map((s) => s.trim()).filter(Boolean);
    if (byId('add-sequential').checked) common.sequentialDownload = true;

    const sources = [
      ...links.map((link) => ({ what: link.slice(0, 60), magnet: link.startsWith('magnet:'), args: async () => ({ filename: link }) })),
      ...this.#files.map((file) => ({ what: file.name, magnet: false, args: async () => ({ metainfo: await base64Of(file) }) })),
    ];
    byId('add-submit').disabled = true;
    const added = [];
    const errors = [];
    for (const source of sources) {
      try {
        // To choose files first, a .torrent waits paused; a magnet must run to fetch its metadata and is
        // stopped the moment the metadata arrives (see choose-files.js).
        const paused = choose ? !source.magnet : !start;
        const reply = await this.#rpc.call('torrent-add', { ...common, ...(await source.args()), paused });
        if (reply['torrent-duplicate']) this.#toast(`Already added: ${reply['torrent-duplicate'].name}`);
        else added.push({ ...reply['torrent-added'], magnet: source.magnet });
      } catch (error) {
        errors.push(`${source.what}: ${error.message}`);
      }
    }
    byId('add-submit').disabled = false;
    if (errors.length > 0 && added.length === 0) return setText(byId('add-error'), errors.join('\n'));
    for (const e of errors) this.#toast(e, true);
    this.#dialog.close();
    this.#afterAdd(added.map((t) => t.id));
    if (added.length > 0 && !choose) this.#toast(added.length === 1 ? `Added ${added[0].name}` : `Added ${added.length} torrents`);
    if (choose) {
      for (const torrent of added) await chooseFiles(this.#rpc, torrent, { start, toast: this.#toast, afterChange: this.#afterAdd });
    }
  }

  #wireDropAnywhere() {
    const overlay = byId('drop-overlay');
    let depth = 0;
    const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    document.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; overlay.hidden = false; } });
    document.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; overlay.hidden = true; } });
    document.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
    document.addEventListener('drop', (e) => {
      depth = 0;
      overlay.hidden = true;
      if (!hasFiles(e)) return;
      e.preventDefault();
      const files = [...e.dataTransfer.files].filter((f) => f.name.toLowerCase().endsWith('.torrent') || f.type === 'application/x-bittorrent');
      if (files.length > 0) this.open(files);
      else this.#toast('Only .torrent files can be dropped here', true);
    });
  }
}

/** The file's bytes as base64 (torrent-add's `metainfo`). */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(new Error(`cannot read ${file.name}`));
    reader.readAsDataURL(file);
  });
}
