// The "choose files" step of adding: shows the new torrent's files (for a magnet, once its metadata has
// arrived), lets the user untick files and set priorities, then applies that with one torrent-set and starts
// the torrent — so unwanted files are never written.
//
// A magnet must run to fetch its metadata; it is stopped as soon as the metadata is there, while the user
// chooses. A .torrent was added paused and has downloaded nothing.

import { byId, clear, setText } from './dom.js';
import * as fmt from './format.js';
import { FileTree } from './file-tree.js';
import { getTorrents } from './rpc.js';

const pollMs = 400;
const metadataWaitMs = 10 * 60_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when the user has decided (or the torrent went away). */
export async function chooseFiles(rpc, torrent, { start, toast, afterChange }) {
  const dialog = byId('files-dialog');
  const chooser = byId('files-chooser');
  const wait = byId('files-wait');
  clear(chooser);
  setText(byId('files-title'), 'Choose files');
  setText(byId('files-subtitle'), torrent.name);
  setText(byId('files-total'), '');
  const buttons = ['files-start', 'files-paused'].map(byId);
  for (const b of buttons) b.disabled = true;
  byId('files-start').textContent = start ? 'Start download' : 'Start now';
  dialog.showModal();

  let closed = false;
  const decision = new Promise((resolve) => {
    const done = (choice) => { closed = true; cleanup(); dialog.close(); resolve(choice); };
    const onStart = (e) => { e.preventDefault(); done('start'); };
    const onPaused = () => done('paused');
    const onRemove = () => done('remove');
    const onCancel = (e) => { e.preventDefault(); done('remove'); };
    byId('files-form').addEventListener('submit', onStart);
    byId('files-paused').addEventListener('click', onPaused);
    byId('files-remove').addEventListener('click', onRemove);
    dialog.addEventListener('cancel', onCancel);
    function cleanup() {
      byId('files-form').removeEventListener('submit', onStart);
      byId('files-paused').removeEventListener('click', onPaused);
      byId('files-remove').removeEventListener('click', onRemove);
      dialog.removeEventListener('cancel', onCancel);
    }
  });

  // Wait for the file list (metadata), stopping a magnet the moment it has it.
  let info = null;
  const deadline = Date.now() + metadataWaitMs;
  while (!closed && Date.now() < deadline) {
    try {
      const { torrents } = await getTorrents(rpc, ['id', 'name', 'status', 'metadataPercentComplete', 'files', 'fileStats'], [torrent.id]);
      const t = torrents[0];
      if (!t) {
        setText(wait, 'The torrent was removed.');
        break;
      }
      if (t.files && t.files.length > 0) {
        if (t.status !== 0) await rpc.call('torrent-stop', { ids: [t.id] });
        info = t;
        break;
      }
      setText(wait, `Waiting for the metadata from peers… ${fmt.percent(t.metadataPercentComplete ?? 0)}`);
    } catch (error) {
      setText(wait, error.message);
    }
    await sleep(pollMs);
  }

  let wanted = [];
  let priority = [];
  if (info) {
    setText(wait, '');
    setText(byId('files-subtitle'), info.name);
    wanted = info.fileStats.map((s) => !!s.wanted);
    priority = info.fileStats.map((s) => s.priority ?? 0);
    const tree = new FileTree(info.files, {
      label: `Files of ${info.name}`,
      showProgress: false,
      state: () => ({ wanted, priority, completed: null }),
      onWanted: (indices, value) => { for (const i of indices) wanted[i] = value; update(); },
      onPriority: (indices, value) => { for (const i of indices) priority[i] = value; update(); },
    });
    const total = info.files.reduce((sum, f) => sum + f.length, 0);
    const update = () => {
      tree.refresh();
      const some = wanted.some(Boolean);
      for (const b of buttons) b.disabled = !some;
      setText(byId('files-total'), some
        ? `${fmt.size(tree.wantedBytes())} of ${fmt.size(total)} will be downloaded`
        : 'Choose at least one file.');
    };
    chooser.append(tree.element);
    update();
    byId(start ? 'files-start' : 'files-paused').focus();
  } else if (!closed) {
    setText(wait, 'No metadata yet. You can keep waiting, or close this and choose the files later in the details.');
    byId('files-paused').disabled = false;
  }

  const choice = await decision;
  try {
    if (choice === 'remove') {
      await rpc.call('torrent-remove', { ids: [torrent.id], 'delete-local-data': false });
      toast(`Not added: ${torrent.name}`);
    } else if (info) {
      await rpc.call('torrent-set', selectionArgs(torrent.id, info.files.length, (i) => wanted[i], (i) => priority[i]));
      if (choice === 'start') await rpc.call('torrent-start', { ids: [torrent.id] });
      toast(`${choice === 'start' ? 'Started' : 'Added paused'}: ${info.name}`);
    } else {
      await rpc.call('torrent-stop', { ids: [torrent.id] });
      toast(`Added paused: ${torrent.name}`);
    }
  } catch (error) {
    toast(error.message, true);
  }
  afterChange([torrent.id]);
}

/** One torrent-set with the whole choice. Empty lists are left out: the RPC reads [] as "every file". */
export function selectionArgs(id, count, wanted, priority) {
  const args = { ids: [id] };
  const groups = { 'files-wanted': [], 'files-unwanted': [], 'priority-low': [], 'priority-normal': [], 'priority-high': [] };
  for (let i = 0; i < count; i++) {
    groups[wanted(i) ? 'files-wanted' : 'files-unwanted'].push(i);
    groups[{ '-1': 'priority-low', 0: 'priority-normal', 1: 'priority-high' }[priority(i)] ?? 'priority-normal'].push(i);
  }
  for (const [key, list] of Object.entries(groups)) if (list.length > 0) args[key] = list;
  return args;
}
