// Short messages in the corner, read out by screen readers (the container is a polite live region).

import { byId, el } from './dom.js';

const limit = 4;

/** Shows text for a few seconds; `bad` marks an error (kept longer). */
export function toast(text, bad = false) {
  const box = byId('toasts');
  const note = el('div', { class: bad ? 'toast bad' : 'toast', text });
  box.append(note);
  while (box.children.length > limit) box.firstChild.remove();
  setTimeout(() => note.remove(), bad ? 8000 : 4000);
}
