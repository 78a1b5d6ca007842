// Which torrents are selected, which one has the keyboard focus (active), and where a Shift-range starts.

export class Selection extends EventTarget {
  #ids = new Set();
  #anchor = null;
  active = null;

  has(id) {
    return this.#ids.has(id);
  }

  get size() {
    return this.#ids.size;
  }

  /** Selected ids in no particular order. */
  ids() {
    return [...this.#ids];
  }

  only(id) {
    this.#ids = new Set([id]);
    this.#anchor = id;
    this.active = id;
    this.#changed();
  }

  toggle(id) {
    if (!this.#ids.delete(id)) this.#ids.add(id);
    this.#anchor = id;
    this.active = id;
    this.#changed();
  }

  /** Selects from the anchor to id, in the list's current order. */
  extendTo(id, order) {
    const from = order.indexOf(this.#anchor ?? id);
    const to = order.indexOf(id);
    if (from < 0 || to < 0) return this.only(id);
    const [lo, hi] = from < to ? [from, to] : [to, from];
    this.#ids = new Set(order.slice(lo, hi + 1));
    this.active = id;
    this.#changed();
  }

  set(ids, active) {
    this.#ids = new Set(ids);
    this.active = active;
    this.#changed();
  }

  /** Moves the keyboard focus without changing what is selected (Ctrl+arrows). */
  moveActive(id) {
    this.active = id;
    this.#changed();
  }

  clear() {
    if (this.#ids.size === 0) return;
    this.#ids.clear();
    this.#changed();
  }

  /** Drops ids no longer shown (filtered out or removed), without an event: the caller redraws anyway. */
  retain(shown) {
    for (const id of this.#ids) if (!shown.has(id)) this.#ids.delete(id);
    if (this.active !== null && !shown.has(this.active)) this.active = null;
  }

  #changed() {
    this.dispatchEvent(new Event('change'));
  }
}
