// The session: total rates and their graph, the alternative ("turtle") limits toggle, free space, and the
// settings dialog (limits, queues, seeding, default folder).

import { byId, setAttr, setText } from './dom.js';
import * as fmt from './format.js';
import { RateGraph } from './rate-graph.js';

const settingsFields = [
  'speed-limit-down', 'speed-limit-down-enabled', 'speed-limit-up', 'speed-limit-up-enabled',
  'alt-speed-down', 'alt-speed-up', 'alt-speed-enabled',
  'download-queue-enabled', 'download-queue-size', 'seed-queue-enabled', 'seed-queue-size',
  'seedRatioLimit', 'seedRatioLimited', 'idle-seeding-limit', 'idle-seeding-limit-enabled',
  'download-dir', 'start-added-torrents', 'version', 'rpc-version', 'units',
];

export class Session {
  settings = {};
  #rpc;
  #toast;
  #graph;

  constructor(rpc, toast) {
    this.#rpc = rpc;
    this.#toast = toast;
    this.#graph = new RateGraph(byId('rate-graph'), byId('graph-peak'));
    byId('btn-turtle').addEventListener('click', () => this.toggleTurtle());
    byId('btn-settings').addEventListener('click', () => this.openSettings());
    byId('settings-form').addEventListener('submit', (e) => this.#onSave(e));
  }

  async loadSettings() {
    this.settings = await this.#rpc.call('session-get', { fields: settingsFields });
    fmt.configureUnits(this.settings.units);
    for (const node of document.querySelectorAll('.speed-unit')) setText(node, fmt.speedLimitUnit().name);
    this.#showSettings();
  }

  /** One update of the totals: called with the list's updates. */
  async refreshStats() {
    const stats = await this.#rpc.call('session-stats');
    setText(byId('rate-down'), fmt.rateOrZero(stats.downloadSpeed));
    setText(byId('rate-up'), fmt.rateOrZero(stats.uploadSpeed));
    this.#graph.add(stats.downloadSpeed ?? 0, stats.uploadSpeed ?? 0);
    const nodes = stats.dhtNodes;
    setText(byId('dht-status'), nodes === undefined ? 'DHT off' : `DHT: ${nodes.toLocaleString()} node${nodes === 1 ? '' : 's'}`);
    return stats;
  }

  async refreshFreeSpace() {
    const dir = this.settings['download-dir'];
    if (!dir) return;
    const reply = await this.#rpc.call('free-space', { path: dir });
    const node = byId('free-space');
    setText(node, fmt.size(reply['size-bytes']));
    node.title = reply.total_size > 0 ? `${fmt.size(reply['size-bytes'])} free of ${fmt.size(reply.total_size)} in ${dir}` : dir;
  }

  /** Free space of a folder for the add dialog; null when the daemon cannot tell. */
  async freeSpaceOf(path) {
    try {
      const reply = await this.#rpc.call('free-space', { path });
      return reply['size-bytes'];
    } catch {
      return null;
    }
  }

  async toggleTurtle() {
    const enabled = !this.settings['alt-speed-enabled'];
    this.settings['alt-speed-enabled'] = enabled;
    this.#showSettings();
    try {
      await this.#rpc.call('session-set', { 'alt-speed-enabled': enabled });
      this.#toast(enabled
        ? `Alternative limits on: ↓ ${fmt.limit(this.settings['alt-speed-down'])} ↑ ${fmt.limit(this.settings['alt-speed-up'])}`
        : 'Alternative limits off');
    } catch (error) {
      this.#toast(error.message, true);
    }
    await this.loadSettings().catch(() => {});
  }

  openSettings() {
    const s = this.settings;
    const set = (id, value) => { const input = byId(id); if (input.type === 'checkbox') input.checked = !!value; else input.value = value ?? ''; };
    set('set-down-enabled', s['speed-limit-down-enabled']);
    set('set-down', s['speed-limit-down']);
    set('set-up-enabled', s['speed-limit-up-enabled']);
    set('set-up', s['speed-limit-up']);
    set('set-alt-down', s['alt-speed-down']);
    set('set-alt-up', s['alt-speed-up']);
    set('set-alt-enabled', s['alt-speed-enabled']);
    set('set-dq-enabled', s['download-queue-enabled']);
    set('set-dq', s['download-queue-size']);
    set('set-sq-enabled', s['seed-queue-enabled']);
    set('set-sq', s['seed-queue-size']);
    set('set-ratio-enabled', s.seedRatioLimited);
    set('set-ratio', s.seedRatioLimit);
    set('set-idle-enabled', s['idle-seeding-limit-enabled']);
    set('set-idle', s['idle-seeding-limit']);
    set('set-dir', s['download-dir']);
    set('set-start-added', s['start-added-torrents']);
    setText(byId('settings-version'), s.version ? `Shoal ${s.version}, RPC version ${s['rpc-version']}` : '');
    setText(byId('settings-error'), '');
    byId('settings-dialog').showModal();
  }

  async #onSave(e) {
    if (e.submitter?.value !== 'save') return;
    e.preventDefault();
    const checked = (id) => byId(id).checked;
    const whole = (id) => Math.max(0, Math.round(Number(byId(id).value) || 0));
    const args = {
      'speed-limit-down-enabled': checked('set-down-enabled'), 'speed-limit-down': whole('set-down'),
      'speed-limit-up-enabled': checked('set-up-enabled'), 'speed-limit-up': whole('set-up'),
      'alt-speed-down': whole('set-alt-down'), 'alt-speed-up': whole('set-alt-up'), 'alt-speed-enabled': checked('set-alt-enabled'),
      'download-queue-enabled': checked('set-dq-enabled'), 'download-queue-size': Math.max(1, whole('set-dq')),
      'seed-queue-enabled': checked('set-sq-enabled'), 'seed-queue-size': Math.max(1, whole('set-sq')),
      seedRatioLimited: checked('set-ratio-enabled'), seedRatioLimit: Math.max(0, Number(byId('set-ratio').value) || 0),
      'idle-seeding-limit-enabled': checked('set-idle-enabled'), 'idle-seeding-limit': Math.max(1, whole('set-idle')),
      'download-dir': byId('set-dir').value.trim(), 'start-added-torrents': checked('set-start-added'),
    };
    if (!args['download-dir']) delete args['download-dir'];
    try {
      await this.#rpc.call('session-set', args);
      byId('settings-dialog').close();
      await this.loadSettings();
      await this.refreshFreeSpace();
    } catch (error) {
      setText(byId('settings-error'), error.message);
    }
  }

  #showSettings() {
    const s = this.settings;
    const turtle = !!s['alt-speed-enabled'];
    setAttr(byId('btn-turtle'), 'aria-pressed', String(turtle));
    const limit = (enabled, value) => (enabled ? fmt.limit(value) : '∞');
    const limits = turtle
      ? `🐢 ↓ ${fmt.limit(s['alt-speed-down'])} ↑ ${fmt.limit(s['alt-speed-up'])}`
      : `↓ ${limit(s['speed-limit-down-enabled'], s['speed-limit-down'])} ↑ ${limit(s['speed-limit-up-enabled'], s['speed-limit-up'])}`;
    setText(byId('limits-summary'), limits);
    const queue = (enabled, n) => (enabled ? String(n) : '∞');
    setText(byId('queue-summary'), `${queue(s['download-queue-enabled'], s['download-queue-size'])} down, ${queue(s['seed-queue-enabled'], s['seed-queue-size'])} seeds`);
  }
}
