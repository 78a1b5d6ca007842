// Keyboard shortcuts for the whole page (the list's own arrows and Enter are in list-view.js).

import { byId } from './dom.js';

const typing = (target) => target.closest?.('input, textarea, select, [contenteditable]');

export function wireShortcuts({ details, actions, add, session, search }) {
  document.addEventListener('keydown', (e) => {
    if (document.querySelector('dialog[open]')) return;
    if (e.key === 'Escape') {
      if (typing(e.target) && e.target === search && search.value) {
        search.value = '';
        search.dispatchEvent(new Event('input'));
        return;
      }
      if (details.isOpen) {
        details.close();
        e.preventDefault();
      }
      return;
    }
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    const handlers = {
      '/': () => search.focus(),
      a: () => add.open(),
      s: () => actions.start(),
      p: () => actions.stop(),
      v: () => actions.verify(),
      l: () => actions.label(),
      t: () => session.toggleTurtle(),
      Delete: () => actions.remove(),
      '?': () => byId('help-dialog').showModal(),
    };
    const handler = handlers[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (!handler) return;
    e.preventDefault();
    handler();
  });
}
