// Details → General: identity of the torrent, transfer totals, its own speed limits and download order.

import { copyText, el, setText } from '../dom.js';
import * as fmt from '../format.js';
import { describeState } from '../torrents.js';

export class GeneralTab {
  fields = [
    'status', 'error', 'errorString', 'percentDone', 'sizeWhenDone', 'leftUntilDone', 'haveValid', 'totalSize',
    'downloadedEver', 'uploadedEver', 'corruptEver', 'uploadRatio', 'rateDownload', 'rateUpload', 'eta',
    'peersConnected', 'peersSendingToUs', 'peersGettingFromUs', 'secondsDownloading', 'secondsSeeding',
    'hashString', 'magnetLink', 'comment', 'creator', 'dateCreated', 'downloadDir', 'pieceCount', 'pieceSize',
    'isPrivate', 'addedDate', 'doneDate', 'activityDate', 'labels', 'metadataPercentComplete', 'recheckProgress',
    'downloadLimit', 'downloadLimited', 'uploadLimit', 'uploadLimited', 'queuePosition', 'sequentialDownload',
  ];

  #panel;
  #actions;
  #values = new Map();
  #limits;
  #magnet = '';
  #hash = '';

  /** actions: { setTorrent(args), toast(text, bad) } */
  constructor(panel, actions) {
    this.#panel = panel;
    this.#actions = actions;
    this.#build();
  }

  reset() {
    for (const node of this.#values.values()) setText(node, '');
  }

  update(t) {
    const now = Date.now() / 1000;
    const v = (key, text) => setText(this.#values.get(key), text);
    v('state', describeState(t).text);
    v('error', t.errorString || '–');
    v('progress', t.metadataPercentComplete < 1
      ? `fetching metadata ${fmt.percent(t.metadataPercentComplete)}`
      : `${fmt.percent(t.percentDone)} of ${fmt.size(t.sizeWhenDone)} (${fmt.size(t.haveValid)} verified)`);
    v('downloaded', fmt.size(t.downloadedEver));
    v('uploaded', fmt.size(t.uploadedEver));
    v('ratio', fmt.ratio(t.uploadRatio));
    v('wasted', t.corruptEver > 0 ? `${fmt.size(t.corruptEver)} (failed hash checks)` : fmt.size(0));
    v('rates', `↓ ${fmt.rate(t.rateDownload)}   ↑ ${fmt.rate(t.rateUpload)}`);
    v('eta', fmt.eta(t.eta) || '–');
    v('peers', `${t.peersConnected} connected, ${t.peersSendingToUs} sending to us, ${t.peersGettingFromUs} receiving from us`);
    v('time', `downloading ${fmt.duration(t.secondsDownloading ?? 0)}, seeding ${fmt.duration(t.secondsSeeding ?? 0)}`);
    v('size', t.pieceCount > 0 ? `${fmt.size(t.totalSize)} in ${fmt.count(t.pieceCount)} pieces of ${fmt.size(t.pieceSize)}` : '–');
    v('hash', t.hashString);
    v('magnet', t.magnetLink);
    v('path', t.downloadDir);
    v('created', t.dateCreated > 0 ? `${fmt.date(t.dateCreated)}${t.creator ? ` by ${t.creator}` : ''}` : t.creator || '–');
    v('comment', t.comment || '–');
    v('private', t.isPrivate ? 'yes (trackers only: no DHT, PEX or local discovery)' : 'no');
    v('added', fmt.date(t.addedDate));
    v('done', fmt.date(t.doneDate));
    v('activity', fmt.relative(t.activityDate, now));
    v('labels', (t.labels ?? []).join(', ') || '–');
    v('queue', t.queuePosition >= 0 ? String(t.queuePosition + 1) : '–');
    this.#magnet = t.magnetLink ?? '';
    this.#hash = t.hashString ?? '';
    this.#updateLimits(t);
  }

  #updateLimits(t) {
    const l = this.#limits;
    if (l.editing()) return;
    l.downOn.checked = !!t.downloadLimited;
    l.upOn.checked = !!t.uploadLimited;
    l.down.value = String(t.downloadLimit ?? 0);
    l.up.value = String(t.uploadLimit ?? 0);
    l.sequential.checked = !!t.sequentialDownload;
  }

  #build() {
    const row = (key, label, extra) => {
      const dd = el('dd', { 'data-field': key });
      this.#values.set(key, extra ? el('span', { class: extra }) : dd);
      if (extra) dd.append(this.#values.get(key));
      return [el('dt', { text: label }), dd];
    };
    const copyButton = (what, get) => el('button', {
      type: 'button', class: 'icon-button small', 'aria-label': `Copy the ${what}`, title: `Copy the ${what}`,
      on: { click: async () => {
        try {
          await copyText(get());
          this.#actions.toast(`${what[0].toUpperCase()}${what.slice(1)} copied`);
        } catch (error) {
          this.#actions.toast(`Could not copy: ${error.message}`, true);
        }
      } },
    }, copyIcon());
    const hash = el('span', { class: 'mono' });
    const magnet = el('span', { class: 'mono' });
    this.#values.set('hash', hash);
    this.#values.set('magnet', magnet);

    const transfer = el('section', {}, el('h3', { text: 'Transfer' }), el('dl', { class: 'kv' },
      row('state', 'State'), row('progress', 'Have'), row('downloaded', 'Downloaded'), row('uploaded', 'Uploaded'),
      row('ratio', 'Ratio'), row('wasted', 'Wasted'), row('rates', 'Rates'), row('eta', 'Remaining'), row('peers', 'Peers'),
      row('time', 'Time'), row('error', 'Error'), row('activity', 'Last activity'), row('queue', 'Queue position')));
    const torrent = el('section', {}, el('h3', { text: 'Torrent' }), el('dl', { class: 'kv' },
      row('size', 'Size'),
      el('dt', { text: 'Info-hash' }), el('dd', {}, el('div', { class: 'copy-row' }, hash, copyButton('info-hash', () => this.#hash))),
      el('dt', { text: 'Magnet link' }), el('dd', {}, el('div', { class: 'copy-row' }, magnet, copyButton('magnet link', () => this.#magnet))),
      row('path', 'Saved in'), row('created', 'Created'), row('comment', 'Comment', 'comment'), row('private', 'Private'),
      row('added', 'Added'), row('done', 'Completed'), row('labels', 'Labels')));
    this.#panel.append(el('div', { class: 'general' }, transfer, torrent, this.#buildLimits()));
  }

  #buildLimits() {
    const downOn = el('input', { type: 'checkbox', id: 'limit-down-on' });
    const upOn = el('input', { type: 'checkbox', id: 'limit-up-on' });
    const down = el('input', { type: 'number', min: '0', step: '1', id: 'limit-down', 'aria-label': 'Download limit of this torrent' });
    const up = el('input', { type: 'number', min: '0', step: '1', id: 'limit-up', 'aria-label': 'Upload limit of this torrent' });
    // Pieces in index order instead of rarest first: a media player can start on the file's head while the rest arrives.
    const sequential = el('input', { type: 'checkbox', id: 'sequential' });
    const controls = [downOn, upOn, down, up, sequential];
    this.#limits = { downOn, upOn, down, up, sequential, editing: () => controls.includes(document.activeElement) };
    const apply = () => {
      const whole = (input) => Math.max(0, Math.round(Number(input.value) || 0));
      this.#actions.setTorrent({
        downloadLimited: downOn.checked, downloadLimit: whole(down), uploadLimited: upOn.checked, uploadLimit: whole(up),
      });
    };
    for (const control of [downOn, upOn, down, up]) control.addEventListener('change', apply);
    sequential.addEventListener('change', () => this.#actions.setTorrent({ sequentialDownload: sequential.checked }));
    for (const [box, field] of [[downOn, down], [upOn, up]]) field.addEventListener('input', () => { box.checked = true; });
    return el('section', {}, el('h3', {}, 'This torrent\u2019s limits (', el('span', { class: 'speed-unit', text: fmt.speedLimitUnit().name }), ')'), el('div', { class: 'limits' },
      el('label', {}, downOn, 'Download at most'), down,
      el('label', {}, upOn, 'Upload at most'), up),
      el('label', { class: 'order' }, sequential, 'Download in order, to play while downloading'));
  }
}

function copyIcon() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const a = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  for (const [k, v] of Object.entries({ x: 8, y: 8, width: 12, height: 12, rx: 2 })) a.setAttribute(k, v);
  const b = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  b.setAttribute('d', 'M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3');
  svg.append(a, b);
  return svg;
}
