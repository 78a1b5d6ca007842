// File selection through torrent-set: the same calls for the Files tab and for the "choose files" step.

/** Wants or unwants the files at these indices. An empty list would mean "all files" to the RPC: never send one. */
export async function setFilesWanted(rpc, id, indices, wanted) {
  if (indices.length === 0) return;
  await rpc.call('torrent-set', { ids: [id], [wanted ? 'files-wanted' : 'files-unwanted']: indices });
}

const priorityKeys = { '-1': 'priority-low', 0: 'priority-normal', 1: 'priority-high' };

export async function setFilesPriority(rpc, id, indices, priority) {
  if (indices.length === 0) return;
  await rpc.call('torrent-set', { ids: [id], [priorityKeys[priority]]: indices });
}
