// Details → Files: the folder tree with wanted boxes, priorities and per-file progress.

import { clear, el, setText } from '../dom.js';
import * as fmt from '../format.js';
import { FileTree } from '../file-tree.js';
import { setFilesWanted, setFilesPriority } from '../file-actions.js';

export class FilesTab {
  #panel;
  #actions;
  #tree = null;
  #stats = null;
  #summary;

  /** actions: { rpc, id(), refreshSoon(), toast(text, bad) } */
  constructor(panel, actions) {
    this.#panel = panel;
    this.#actions = actions;
    this.#summary = el('p', { class: 'muted small' });
  }

  /** The names and lengths are asked for only until the tree is built; after that only fileStats. */
  get fields() {
    return this.#tree ? ['fileStats'] : ['files', 'fileStats', 'metadataPercentComplete'];
  }

  reset() {
    this.#tree = null;
    this.#stats = null;
    clear(this.#panel);
  }

  update(t) {
    if (t.fileStats) this.#stats = t.fileStats;
    if (!this.#tree) {
      if (!t.files || t.files.length === 0) {
        clear(this.#panel);
        this.#panel.append(el('p', { class: 'muted', text: t.metadataPercentComplete < 1 ? 'The file list appears once the metadata has arrived.' : 'No files.' }));
        return;
      }
      const files = t.files.map((f) => ({ name: f.name, length: f.length }));
      this.#tree = new FileTree(files, {
        label: 'Files of this torrent',
        state: () => ({
          wanted: this.#stats.map((s) => !!s.wanted),
          priority: this.#stats.map((s) => s.priority),
          completed: this.#stats.map((s) => s.bytesCompleted),
        }),
        onWanted: (indices, wanted) => this.#change(() => setFilesWanted(this.#actions.rpc, this.#actions.id(), indices, wanted),
          () => indices.forEach((i) => { this.#stats[i].wanted = wanted; })),
        onPriority: (indices, priority) => this.#change(() => setFilesPriority(this.#actions.rpc, this.#actions.id(), indices, priority),
          () => indices.forEach((i) => { this.#stats[i].priority = priority; })),
      });
      clear(this.#panel);
      this.#panel.append(this.#summary, this.#tree.element);
    }
    this.#tree.refresh();
    const wanted = this.#tree.wantedBytes();
    const total = this.#tree.files.reduce((sum, f) => sum + f.length, 0);
    setText(this.#summary, `${fmt.count(this.#tree.files.length)} files, ${fmt.size(wanted)} of ${fmt.size(total)} wanted`);
  }

  async #change(call, applyLocally) {
    applyLocally();
    this.#tree.refresh();
    try {
      await call();
    } catch (error) {
      this.#actions.toast(error.message, true);
    }
    this.#actions.refreshSoon();
  }
}
