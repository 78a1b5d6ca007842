// A table whose rows are kept by key across updates, so a refresh rewrites only changed cells and the
// reader's scroll position and text selection survive.

import { el, setAttr, setText } from './dom.js';

export class KeyedTable {
  /**
   * columns: [{ label, num?, wrap?, text?(row) → string, render?(cell, row) (fills the cell itself) }]
   */
  constructor(columns, label) {
    this.columns = columns;
    this.body = el('tbody');
    this.element = el('table', { class: 'data', 'aria-label': label },
      el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.num ? 'num' : null, text: c.label })))),
      this.body);
    this.rows = new Map();
  }

  update(items, keyOf) {
    const seen = new Set();
    let previous = null;
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      let tr = this.rows.get(key);
      if (!tr) {
        tr = el('tr', {}, this.columns.map((c) => el('td', { class: [c.num ? 'num' : '', c.wrap ? 'wrap' : ''].join(' ').trim() || null })));
        this.rows.set(key, tr);
      }
      this.columns.forEach((c, i) => {
        const cell = tr.children[i];
        if (c.render) c.render(cell, item);
        else setText(cell, c.text(item));
        if (c.title) setAttr(cell, 'title', c.title(item));
      });
      const expected = previous ? previous.nextSibling : this.body.firstChild;
      if (expected !== tr) this.body.insertBefore(tr, expected);
      previous = tr;
    }
    for (const [key, tr] of this.rows) {
      if (!seen.has(key)) {
        tr.remove();
        this.rows.delete(key);
      }
    }
  }
}
