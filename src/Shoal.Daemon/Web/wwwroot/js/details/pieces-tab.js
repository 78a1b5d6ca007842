// Details → Pieces: a map of the torrent's pieces — done, in flight, missing — drawn on a canvas.
// Above a few thousand pieces each square stands for several pieces and is shaded by how many are done.

import { el, setText } from '../dom.js';
import * as fmt from '../format.js';

const maxSquares = 4096;

/** Decodes the RPC's base64 bitfield (first piece in the high bit of the first byte). */
export function decodeBitfield(base64) {
  if (!base64) return new Uint8Array(0);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const bit = (bytes, i) => (bytes[i >> 3] >> (7 - (i & 7))) & 1;

export class PiecesTab {
  fields = ['pieces', 'pieceCount', 'pieceSize', 'piecesInFlight'];
  #canvas;
  #summary;
  #flightLegend;
  #last = null;

  constructor(panel) {
    this.#summary = el('p', { class: 'muted small' });
    this.#flightLegend = el('span', {}, el('span', { class: 'sw flight' }), 'in flight');
    const legend = el('p', { class: 'pieces-legend' },
      el('span', {}, el('span', { class: 'sw have' }), 'done'), this.#flightLegend, el('span', {}, el('span', { class: 'sw missing' }), 'missing'));
    this.#canvas = el('canvas', { class: 'piece-map', role: 'img', 'aria-label': 'Piece map' });
    panel.append(this.#summary, legend, this.#canvas);
    new ResizeObserver(() => { if (this.#last) this.#draw(this.#last); }).observe(panel);
  }

  reset() {
    this.#last = null;
    setText(this.#summary, '');
    const ctx = this.#canvas.getContext('2d');
    ctx.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
  }

  update(t) {
    this.#last = t;
    this.#draw(t);
  }

  #draw(t) {
    const count = t.pieceCount ?? 0;
    const have = decodeBitfield(t.pieces);
    const flight = decodeBitfield(t.piecesInFlight);
    this.#flightLegend.hidden = t.piecesInFlight === undefined;
    let done = 0;
    let inFlight = 0;
    for (let i = 0; i < count; i++) {
      done += bit(have, i);
      inFlight += bit(flight, i) & (1 - bit(have, i));
    }
    const label = count === 0 ? 'No pieces yet (waiting for metadata).'
      : `${fmt.count(done)} of ${fmt.count(count)} pieces done${inFlight ? `, ${fmt.count(inFlight)} in flight` : ''}, ${fmt.size(t.pieceSize)} each`;
    setText(this.#summary, label);
    this.#canvas.setAttribute('aria-label', `Piece map: ${label}`);
    if (count === 0) return;

    const perSquare = Math.ceil(count / maxSquares);
    const squares = Math.ceil(count / perSquare);
    const width = this.#canvas.clientWidth || 600;
    const size = Math.max(4, Math.min(14, Math.floor(Math.sqrt((width * 260) / squares))));
    const columns = Math.max(1, Math.floor(width / size));
    const rows = Math.ceil(squares / columns);
    const ratio = window.devicePixelRatio || 1;
    this.#canvas.width = Math.round(columns * size * ratio);
    this.#canvas.height = Math.round(rows * size * ratio);
    this.#canvas.style.height = `${rows * size}px`;
    this.#canvas.style.width = `${columns * size}px`;
    const ctx = this.#canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(this.#canvas);
    const colours = {
      have: style.getPropertyValue('--accent').trim(),
      flight: style.getPropertyValue('--state-checking').trim(),
      missing: style.getPropertyValue('--bar-bg').trim(),
    };
    const gap = size >= 6 ? 1 : 0;
    for (let s = 0; s < squares; s++) {
      let squareHave = 0;
      let squareFlight = 0;
      const first = s * perSquare;
      const last = Math.min(count, first + perSquare);
      for (let i = first; i < last; i++) {
        if (bit(have, i)) squareHave++;
        else if (bit(flight, i)) squareFlight++;
      }
      const x = (s % columns) * size;
      const y = Math.floor(s / columns) * size;
      ctx.globalAlpha = 1;
      ctx.fillStyle = colours.missing;
      ctx.fillRect(x, y, size - gap, size - gap);
      if (squareFlight > 0) {
        ctx.fillStyle = colours.flight;
      } else if (squareHave > 0) {
        ctx.fillStyle = colours.have;
        ctx.globalAlpha = 0.35 + 0.65 * (squareHave / (last - first));
      } else continue;
      ctx.fillRect(x, y, size - gap, size - gap);
    }
    ctx.globalAlpha = 1;
  }
}
