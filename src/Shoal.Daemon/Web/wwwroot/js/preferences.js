// What the page remembers in this browser: sort order and filters. Nothing about torrents is stored.

const key = 'shoal.webui';

export class Preferences {
  value;

  constructor() {
    try {
      this.value = JSON.parse(localStorage.getItem(key) ?? '{}') ?? {};
    } catch {
      this.value = {};
    }
  }

  save(changes) {
    Object.assign(this.value, changes);
    try {
      localStorage.setItem(key, JSON.stringify(this.value));
    } catch {
      // Private mode or storage full: the page works the same, it just forgets.
    }
  }
}
