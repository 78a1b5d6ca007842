// The update loop. Every two seconds: the torrents active since the last look (`recently-active`, so an idle
// library of 1,000 torrents costs a few hundred bytes), the session totals, and the open details tab.
// A chain of timeouts, never an interval, so a slow daemon never gets a pile of requests; paused while the
// page is hidden; backs off while the daemon is unreachable.

const intervalMs = 2000;
const slowEveryMs = 30_000;
const maxBackoffMs = 30_000;

export class Poller {
  #store;
  #session;
  #details;
  #onStatus;
  #timer = 0;
  #running = false;
  #failures = 0;
  #lastSlow = 0;
  #pendingIds = new Set();

  constructor({ store, session, details, onStatus }) {
    this.#store = store;
    this.#session = session;
    this.#details = details;
    this.#onStatus = onStatus;
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.soon(); });
  }

  /** The first, full load; then the loop. Resolves once the first list is in the store. */
  async start() {
    for (;;) {
      try {
        await this.#session.loadSettings();
        await this.#store.loadAll();
        this.#onStatus(null);
        break;
      } catch (error) {
        this.#onStatus(error);
        if (error.kind === 'auth') return;
        await new Promise((resolve) => setTimeout(resolve, this.#backoff()));
      }
    }
    this.#failures = 0;
    this.#session.refreshFreeSpace().catch(() => {});
    this.#lastSlow = Date.now();
    this.#schedule(0);
  }

  /** Runs an update now (after the page changed something), including these ids even if the daemon thinks them idle. */
  soon(ids = []) {
    for (const id of ids) if (id !== null && id !== undefined) this.#pendingIds.add(id);
    this.#schedule(50);
  }

  #schedule(delay) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  async #tick() {
    if (this.#running) return this.#schedule(100);
    if (document.hidden) return;
    this.#running = true;
    let next = intervalMs;
    try {
      const explicit = [...this.#pendingIds];
      this.#pendingIds.clear();
      const work = [this.#store.refresh(), this.#session.refreshStats(), this.#details.refresh()];
      if (explicit.length > 0) work.push(this.#store.refresh(explicit));
      await Promise.all(work);
      if (Date.now() - this.#lastSlow > slowEveryMs) {
        this.#lastSlow = Date.now();
        await Promise.all([this.#session.loadSettings(), this.#session.refreshFreeSpace()]);
      }
      this.#failures = 0;
      this.#onStatus(null);
    } catch (error) {
      this.#onStatus(error);
      next = this.#backoff();
    } finally {
      this.#running = false;
    }
    this.#schedule(next);
  }

  #backoff() {
    this.#failures++;
    return Math.min(maxBackoffMs, 1000 * 2 ** Math.min(this.#failures, 5));
  }
}
