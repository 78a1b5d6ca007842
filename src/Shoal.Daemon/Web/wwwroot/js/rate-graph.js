// The session's total download and upload rate over the last minutes, drawn on a small canvas.

import { setText } from './dom.js';
import * as fmt from './format.js';

export class RateGraph {
  #canvas;
  #peakLabel;
  #windowMs;
  samples = [];

  constructor(canvas, peakLabel, windowMinutes = 5) {
    this.#canvas = canvas;
    this.#peakLabel = peakLabel;
    this.#windowMs = windowMinutes * 60_000;
    new ResizeObserver(() => this.draw()).observe(canvas);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw());
  }

  add(down, up, now = Date.now()) {
    this.samples.push({ t: now, down, up });
    while (this.samples.length > 0 && this.samples[0].t < now - this.#windowMs) this.samples.shift();
    this.draw(now);
  }

  draw(now = Date.now()) {
    const canvas = this.#canvas;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const peak = this.samples.reduce((m, s) => Math.max(m, s.down, s.up), 0);
    const top = niceCeiling(peak);
    setText(this.#peakLabel, peak > 0 ? `top ${fmt.rate(top)}` : '');
    const label = peak > 0
      ? `Total rates over the last ${Math.round(this.#windowMs / 60000)} minutes: now down ${fmt.rate(this.samples.at(-1).down)}, up ${fmt.rate(this.samples.at(-1).up)}; peak ${fmt.rate(peak)}`
      : 'Total rates over the last minutes: idle';
    if (canvas.getAttribute('aria-label') !== label) canvas.setAttribute('aria-label', label);
    if (this.samples.length < 2 || top === 0) return;
    const style = getComputedStyle(canvas);
    // Until the window is full, the graph spans what has been seen (at least 30 s), so a fresh page shows a line.
    const span = Math.min(this.#windowMs, Math.max(30_000, now - this.samples[0].t));
    const x = (t) => width - ((now - t) / span) * width;
    const y = (v) => height - 2 - (v / top) * (height - 6);
    for (const [key, colour] of [['up', '--up'], ['down', '--down']]) {
      ctx.beginPath();
      this.samples.forEach((s, i) => (i === 0 ? ctx.moveTo(x(s.t), y(s[key])) : ctx.lineTo(x(s.t), y(s[key]))));
      ctx.strokeStyle = style.getPropertyValue(colour).trim();
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.lineTo(x(this.samples.at(-1).t), height);
      ctx.lineTo(x(this.samples[0].t), height);
      ctx.closePath();
      ctx.globalAlpha = 0.12;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
  }
}

/** The next round value above v (1, 2 or 5 times a power of ten), so the scale does not jitter. */
function niceCeiling(v) {
  if (v <= 0) return 0;
  const exponent = Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) {
    const candidate = m * 10 ** exponent;
    if (candidate >= v) return candidate;
  }
  return 10 ** (exponent + 1);
}
