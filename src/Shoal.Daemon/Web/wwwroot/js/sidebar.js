// The side bar's filters — by state and by label, with counts — and the text search.

import { byId, clear, el, setAttr, setText } from './dom.js';
import { stateFilters } from './torrents.js';

const noLabel = '\u0000none';

export class Sidebar {
  #store;
  #list;
  #prefs;
  #state;
  #label;
  #words = [];
  #stateButtons = new Map();
  #labelKey = '';

  constructor(store, list, prefs) {
    this.#store = store;
    this.#list = list;
    this.#prefs = prefs;
    this.#state = prefs.value.state ?? 'all';
    this.#label = prefs.value.label ?? null;
    const states = byId('state-filters');
    for (const filter of stateFilters) {
      const count = el('span', { class: 'n' });
      const button = el('button', { type: 'button', 'aria-pressed': 'false', on: { click: () => this.#setState(filter.key) } },
        el('span', { text: filter.label }), count);
      this.#stateButtons.set(filter.key, { button, count });
      states.append(el('li', {}, button));
    }
    const search = byId('search');
    let timer = 0;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.#words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
        this.#apply();
      }, 80);
    });
    const toggle = byId('btn-filters');
    const sidebar = byId('sidebar');
    toggle.addEventListener('click', () => {
      const open = !sidebar.classList.contains('open');
      sidebar.classList.toggle('open', open);
      setAttr(toggle, 'aria-expanded', String(open));
    });
    sidebar.addEventListener('click', (e) => {
      if (e.target.closest('button') && sidebar.classList.contains('open')) {
        sidebar.classList.remove('open');
        setAttr(toggle, 'aria-expanded', 'false');
      }
    });
    this.#apply();
  }

  /** Recounts after the store changed; rebuilds the label list only when the set of labels changed. */
  update() {
    const torrents = [...this.#store.byId.values()];
    for (const filter of stateFilters) {
      const { button, count } = this.#stateButtons.get(filter.key);
      setText(count, torrents.filter(filter.test).length.toLocaleString());
      setAttr(button, 'aria-pressed', String(filter.key === this.#state));
    }
    const labels = this.#store.labels();
    const unlabelled = torrents.filter((t) => !(t.labels?.length > 0)).length;
    const key = JSON.stringify([labels, unlabelled, this.#label]);
    if (key === this.#labelKey) return;
    this.#labelKey = key;
    const list = byId('label-filters');
    clear(list);
    const item = (value, text, n) => el('li', {}, el('button', {
      type: 'button', 'aria-pressed': String(this.#label === value), on: { click: () => this.#setLabel(value) },
    }, el('span', { class: 'label-name', text }), el('span', { class: 'n', text: n.toLocaleString() })));
    list.append(item(null, 'All labels', torrents.length));
    for (const [label, n] of labels) list.append(item(label, label, n));
    if (labels.length > 0 && unlabelled > 0) list.append(item(noLabel, 'No label', unlabelled));
  }

  #setState(key) {
    this.#state = key;
    this.#prefs.save({ state: key });
    this.#apply();
  }

  #setLabel(label) {
    this.#label = this.#label === label ? null : label;
    this.#prefs.save({ label: this.#label });
    this.#apply();
  }

  #apply() {
    const state = stateFilters.find((f) => f.key === this.#state) ?? stateFilters[0];
    const label = this.#label;
    const words = this.#words;
    this.#list.setFilter((t) => {
      if (!state.test(t)) return false;
      if (label === noLabel ? t.labels?.length > 0 : label !== null && !(t.labels ?? []).includes(label)) return false;
      if (words.length === 0) return true;
      const haystack = `${t.name ?? ''} ${(t.labels ?? []).join(' ')} ${t.hashString ?? ''}`.toLowerCase();
      return words.every((w) => haystack.includes(w));
    });
    this.update();
  }
}
