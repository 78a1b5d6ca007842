// The torrent list: a virtual grid that creates DOM rows only for what is on screen, so 1,000 torrents cost
// as much to draw as 30. Rows are recycled while scrolling; an update rewrites only texts that changed.

import { el, setAttr, setText } from './dom.js';
import * as fmt from './format.js';
import { columns, comparator } from './columns.js';
import { describeState } from './torrents.js';
import { Selection } from './selection.js';

const overscan = 6;

/** The parts of a recycled row element that updates write into. */
const partsOf = new WeakMap();

export class ListView extends EventTarget {
  /** Torrents after filtering and sorting, in display order. */
  visible = [];
  selection = new Selection();
  sortKey = 'name';
  sortDescending = false;

  #store;
  #grid;
  #viewport;
  #rows;
  #empty;
  #rowHeight = 40;
  #rowsById = new Map();
  #spare = [];
  #filter = () => true;
  #framePending = false;

  constructor(store, { grid, viewport, rows, header, empty }) {
    super();
    this.#store = store;
    this.#grid = grid;
    this.#viewport = viewport;
    this.#rows = rows;
    this.#empty = empty;
    this.#buildHeader(header);
    viewport.addEventListener('scroll', () => this.#schedule(), { passive: true });
    new ResizeObserver(() => { this.#measure(); this.#schedule(); }).observe(viewport);
    rows.addEventListener('click', (e) => this.#onClick(e));
    rows.addEventListener('dblclick', (e) => {
      const id = this.#rowId(e.target);
      if (id !== null) this.dispatchEvent(new CustomEvent('open', { detail: id }));
    });
    grid.addEventListener('keydown', (e) => this.#onKey(e));
    this.selection.addEventListener('change', () => this.#schedule());
    this.#measure();
  }

  /** Replaces the filter predicate and redraws. */
  setFilter(predicate) {
    this.#filter = predicate;
    this.update();
  }

  setSort(key, descending) {
    this.sortKey = key;
    this.sortDescending = descending;
    for (const header of this.#grid.querySelectorAll('[role=columnheader][data-key]')) {
      const active = header.dataset.key === key;
      setAttr(header, 'aria-sort', active ? (descending ? 'descending' : 'ascending') : 'none');
    }
    this.update();
    this.dispatchEvent(new CustomEvent('sort'));
  }

  /** Recomputes the filtered, sorted list (after any change in the store) and redraws the rows on screen. */
  update() {
    const list = [];
    for (const t of this.#store.byId.values()) if (this.#filter(t)) list.push(t);
    list.sort(comparator(this.sortKey, this.sortDescending));
    this.visible = list;
    this.selection.retain(new Set(list.map((t) => t.id)));
    setAttr(this.#grid, 'aria-rowcount', list.length + 1);
    this.#rows.style.height = `${list.length * this.#rowHeight}px`;
    this.#empty.hidden = list.length > 0;
    this.#render();
  }

  /** Scrolls so the torrent is on screen. */
  reveal(id) {
    const index = this.visible.findIndex((t) => t.id === id);
    if (index < 0) return;
    const top = index * this.#rowHeight;
    const viewport = this.#viewport;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + this.#rowHeight > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = top + this.#rowHeight - viewport.clientHeight;
    this.#render();
  }

  focus() {
    this.#grid.focus();
  }

  #measure() {
    const value = parseFloat(getComputedStyle(this.#grid).getPropertyValue('--row-height'));
    const height = Number.isFinite(value) && value > 0 ? value : 40;
    if (height !== this.#rowHeight) {
      this.#rowHeight = height;
      this.#rows.style.height = `${this.visible.length * height}px`;
    }
  }

  #schedule() {
    if (this.#framePending) return;
    this.#framePending = true;
    requestAnimationFrame(() => {
      this.#framePending = false;
      this.#render();
    });
  }

  #render() {
    const height = this.#rowHeight;
    const first = Math.max(0, Math.floor(this.#viewport.scrollTop / height) - overscan);
    const last = Math.min(this.visible.length, Math.ceil((this.#viewport.scrollTop + this.#viewport.clientHeight) / height) + overscan);
    const wanted = new Map();
    for (let i = first; i < last; i++) wanted.set(this.visible[i].id, i);
    for (const [id, row] of this.#rowsById) {
      if (!wanted.has(id)) {
        this.#rowsById.delete(id);
        row.hidden = true;
        this.#spare.push(row);
      }
    }
    const activeId = this.selection.active;
    for (const [id, index] of wanted) {
      let row = this.#rowsById.get(id);
      if (!row) {
        row = this.#spare.pop() ?? this.#createRow();
        row.hidden = false;
        this.#rowsById.set(id, row);
      }
      this.#fillRow(row, this.visible[index], index, id === activeId);
    }
    const activeRow = activeId !== null && this.#rowsById.has(activeId) ? `t-${activeId}` : null;
    setAttr(this.#grid, 'aria-activedescendant', activeRow);
  }

  #createRow() {
    const cells = {};
    const row = el('div', { role: 'row', class: 'row' });
    for (const column of columns) {
      if (column.hidden) continue;
      const cell = el('div', { role: 'gridcell', class: `cell c-${column.key}` });
      cells[column.key] = cell;
      row.append(cell);
    }
    const check = el('span', { class: 'check', 'aria-hidden': 'true' });
    const name = el('span', { class: 'name-text' });
    cells.name.append(check, name);
    const bar = el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill' }));
    const pct = el('span', { class: 'pct' });
    cells.progress.append(bar, pct);
    const stateDot = el('span', { class: 'dot', 'aria-hidden': 'true' });
    const stateText = el('span');
    cells.state.append(stateDot, stateText);
    partsOf.set(row, { cells, name, bar: bar.firstChild, pct, stateText });
    this.#rows.append(row);
    return row;
  }

  #fillRow(row, t, index, active) {
    const { cells, name, bar, pct, stateText } = partsOf.get(row);
    const state = describeState(t);
    setAttr(row, 'id', `t-${t.id}`);
    row.dataset.id = t.id;
    setAttr(row, 'aria-rowindex', index + 2);
    setAttr(row, 'aria-selected', this.selection.has(t.id) ? 'true' : 'false');
    row.classList.toggle('active', active);
    row.dataset.state = state.key;
    row.style.transform = `translateY(${index * this.#rowHeight}px)`;
    setText(name, t.name ?? '');
    setAttr(cells.name, 'title', t.name ?? '');
    const progress = state.key === 'checking' ? t.recheckProgress ?? 0 : t.metadataPercentComplete < 1 ? t.metadataPercentComplete : t.percentDone;
    bar.style.width = `${Math.max(0, Math.min(1, progress ?? 0)) * 100}%`;
    setText(pct, fmt.percent(progress));
    setText(stateText, state.text);
    setAttr(cells.state, 'title', t.errorString || null);
    for (const column of columns) if (column.text && !column.hidden) setText(cells[column.key], column.text(t));
  }

  #buildHeader(header) {
    const row = el('div', { role: 'row', class: 'row head-row', 'aria-rowindex': 1 });
    for (const column of columns) {
      if (column.hidden) continue;
      const button = el('button', { type: 'button', class: 'sort', text: column.label, title: column.title,
        on: { click: () => this.setSort(column.key, this.sortKey === column.key ? !this.sortDescending : column.numeric === true) } });
      row.append(el('div', { role: 'columnheader', class: `cell c-${column.key}`, 'data-key': column.key, 'aria-sort': 'none' }, button));
    }
    header.append(row);
  }

  #rowId(target) {
    const row = target.closest?.('.row[data-id]');
    return row ? Number(row.dataset.id) : null;
  }

  #onClick(e) {
    const id = this.#rowId(e.target);
    if (id === null) return;
    const order = this.visible.map((t) => t.id);
    if (e.shiftKey) this.selection.extendTo(id, order);
    else if (e.ctrlKey || e.metaKey || e.target.classList.contains('check')) this.selection.toggle(id);
    else this.selection.only(id);
    this.#grid.focus({ preventScroll: true });
  }

  #onKey(e) {
    if (e.target !== this.#grid) return;
    const order = this.visible.map((t) => t.id);
    if (order.length === 0) return;
    const current = order.indexOf(this.selection.active ?? -1);
    const page = Math.max(1, Math.floor(this.#viewport.clientHeight / this.#rowHeight) - 1);
    let next = null;
    switch (e.key) {
      case 'ArrowDown': next = Math.min(order.length - 1, current + 1); break;
      case 'ArrowUp': next = current < 0 ? 0 : Math.max(0, current - 1); break;
      case 'PageDown': next = Math.min(order.length - 1, Math.max(current, 0) + page); break;
      case 'PageUp': next = Math.max(0, current - page); break;
      case 'Home': next = 0; break;
      case 'End': next = order.length - 1; break;
      case ' ':
        if (current >= 0) this.selection.toggle(order[current]);
        e.preventDefault();
        return;
      case 'Enter':
        if (current >= 0) this.dispatchEvent(new CustomEvent('open', { detail: order[current] }));
        e.preventDefault();
        return;
      case 'a':
        if (e.ctrlKey || e.metaKey) {
          this.selection.set(order, this.selection.active ?? order[0]);
          e.preventDefault();
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    const id = order[next];
    if (e.shiftKey) this.selection.extendTo(id, order);
    else if (e.ctrlKey || e.metaKey) this.selection.moveActive(id);
    else this.selection.only(id);
    this.reveal(id);
  }
}
