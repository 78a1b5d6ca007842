// A torrent's files as a folder tree with a wanted box, a priority and progress per file and per folder.
// Used by the Files tab and by the "choose files" step of adding. Folders build their children only when
// first opened, so a torrent of 20,000 files opens at once.

import { el, setAttr, setText } from './dom.js';
import * as fmt from './format.js';

export const priorityNames = { '-1': 'low', 0: 'normal', 1: 'high' };

/** Builds the tree from the RPC's `files` ([{name, length}]); file i keeps index i. */
export function buildTree(files) {
  const root = { name: '', children: new Map(), files: [] };
  files.forEach((file, index) => {
    const parts = String(file.name).split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, children: new Map(), files: [] };
        node.children.set(part, child);
      }
      node = child;
    }
    node.files.push({ name: parts[parts.length - 1], index, length: file.length });
  });
  return root;
}

/** Every file index under a folder node. */
function indicesOf(node, out = []) {
  for (const child of node.children.values()) indicesOf(child, out);
  for (const file of node.files) out.push(file.index);
  return out;
}

export class FileTree {
  /**
   * state: () => { wanted: boolean[], priority: number[], completed: number[] | null } — read on every refresh.
   * onWanted(indices, wanted), onPriority(indices, priority): called when the user changes a control.
   */
  constructor(files, { state, onWanted, onPriority, showProgress = true, label = 'Files' }) {
    this.files = files;
    this.root = buildTree(files);
    this.state = state;
    this.onWanted = onWanted;
    this.onPriority = onPriority;
    this.showProgress = showProgress;
    this.items = [];
    this.element = el('ul', { class: 'tree', 'aria-label': label });
    this.#fillFolder(this.root, this.element, 0);
    this.refresh();
  }

  /** Rewrites checkboxes, priorities and progress from state(): called after each update. */
  refresh() {
    const s = this.state();
    for (const item of this.items) {
      const indices = item.indices;
      let wantedCount = 0;
      let length = 0;
      let done = 0;
      const priorities = new Set();
      for (const i of indices) {
        if (s.wanted[i]) wantedCount++;
        priorities.add(s.priority[i] ?? 0);
        length += this.files[i].length;
        done += s.completed ? s.completed[i] ?? 0 : 0;
      }
      const checked = wantedCount === indices.length;
      if (item.box.checked !== checked) item.box.checked = checked;
      item.box.indeterminate = wantedCount > 0 && !checked;
      const value = priorities.size === 1 ? String([...priorities][0]) : 'mixed';
      item.mixed.hidden = value !== 'mixed';
      if (document.activeElement !== item.priority && item.priority.value !== value) item.priority.value = value;
      if (item.bar) {
        const fraction = length > 0 ? done / length : 1;
        item.bar.style.width = `${fraction * 100}%`;
        setText(item.pct, fmt.percent(fraction));
      }
    }
  }

  /** Total bytes of the wanted files. */
  wantedBytes() {
    const s = this.state();
    let total = 0;
    this.files.forEach((f, i) => { if (s.wanted[i]) total += f.length; });
    return total;
  }

  #fillFolder(node, list, depth) {
    const folders = [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    const files = [...node.files].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const folder of folders) list.append(this.#folderItem(folder, depth));
    for (const file of files) list.append(this.#item(file.name, [file.index], file.length, null));
  }

  #folderItem(folder, depth) {
    const indices = indicesOf(folder);
    const length = indices.reduce((sum, i) => sum + this.files[i].length, 0);
    const children = el('ul', { class: 'tree' });
    const open = depth === 0 && this.root.children.size === 1 && this.root.files.length === 0;
    const toggle = el('button', { type: 'button', class: 'tree-toggle', 'aria-expanded': String(open), 'aria-label': `Open folder ${folder.name}` }, open ? '▼' : '▶');
    let built = false;
    const setOpen = (value) => {
      if (value && !built) {
        this.#fillFolder(folder, children, depth + 1);
        built = true;
        this.refresh();
      }
      children.hidden = !value;
      setAttr(toggle, 'aria-expanded', String(value));
      setText(toggle, value ? '▼' : '▶');
    };
    toggle.addEventListener('click', () => setOpen(toggle.getAttribute('aria-expanded') !== 'true'));
    const item = this.#item(folder.name, indices, length, toggle);
    item.append(children);
    children.hidden = true;
    if (open) queueMicrotask(() => setOpen(true));
    return item;
  }

  #item(name, indices, length, toggle) {
    const box = el('input', { type: 'checkbox', 'aria-label': `Download ${name}` });
    box.addEventListener('change', () => this.onWanted(indices, box.checked));
    const mixed = el('option', { value: 'mixed', disabled: true, hidden: true, text: 'mixed' });
    const priority = el('select', { 'aria-label': `Priority of ${name}` },
      el('option', { value: '1', text: 'High' }), el('option', { value: '0', text: 'Normal' }), el('option', { value: '-1', text: 'Low' }), mixed);
    priority.addEventListener('change', () => { if (priority.value !== 'mixed') this.onPriority(indices, Number(priority.value)); });
    const title = el('span', { class: 'name', title: name }, toggle, el('span', { text: name }));
    const row = el('div', { class: 'tree-item' }, box, title, el('span', { class: 'muted num', text: fmt.size(length) }));
    const record = { indices, box, priority, mixed, bar: null, pct: null };
    if (this.showProgress) {
      const fill = el('span');
      const pct = el('span', { class: 'small muted' });
      row.append(el('span', { class: 't-progress' }, el('span', { class: 'mini-bar', 'aria-hidden': 'true' }, fill), pct));
      record.bar = fill;
      record.pct = pct;
    }
    row.append(priority);
    this.items.push(record);
    return el('li', {}, row);
  }
}
