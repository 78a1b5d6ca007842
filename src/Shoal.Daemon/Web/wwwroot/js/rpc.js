// The page's only way to the daemon: the public Transmission RPC (v17), exactly as any script would use it.
// Every call carries X-Transmission-Session-Id; the daemon answers 409 with a fresh id when it is missing or
// stale, and we repeat the call once with it. Another site's page cannot read that header, so it cannot
// forge a state-changing call (the RPC's CSRF defence).

const sessionHeader = 'X-Transmission-Session-Id';

export class RpcError extends Error {
  /** kind: 'network' | 'auth' | 'http' | 'result' | 'timeout' */
  constructor(message, kind) {
    super(message);
    this.kind = kind;
  }
}

export class Rpc {
  #url;
  #sessionId = '';
  #tag = 0;

  constructor(url = '/transmission/rpc') {
    this.#url = url;
  }

  /**
   * Calls one RPC method and returns its `arguments`.
   * Throws RpcError with a one-line message when the daemon is unreachable or answers with an error.
   */
  async call(method, args = {}, { timeoutMs = 20000 } = {}) {
    const body = JSON.stringify({ method, arguments: args, tag: ++this.#tag });
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await this.#post(body, timeoutMs);
      if (response.status === 409) {
        const id = response.headers.get(sessionHeader);
        if (!id) throw new RpcError('the daemon refused the session id and offered none', 'http');
        this.#sessionId = id;
        continue;
      }
      if (response.status === 401) throw new RpcError('the daemon wants a user name and password: reload the page to sign in', 'auth');
      if (!response.ok) throw new RpcError(`the daemon answered HTTP ${response.status} to ${method}`, 'http');
      const reply = await response.json();
      if (reply.result !== 'success') throw new RpcError(String(reply.result || `${method} failed`), 'result');
      return reply.arguments ?? {};
    }
    throw new RpcError('the daemon keeps refusing the session id', 'http');
  }

  async #post(body, timeoutMs) {
    const headers = { 'Content-Type': 'application/json' };
    if (this.#sessionId) headers[sessionHeader] = this.#sessionId;
    try {
      return await fetch(this.#url, {
        method: 'POST',
        body,
        headers,
        cache: 'no-store',
        credentials: 'same-origin',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error.name === 'TimeoutError') throw new RpcError('the daemon did not answer in time', 'timeout');
      throw new RpcError('cannot reach the daemon', 'network');
    }
  }
}

/**
 * torrent-get in the compact "table" format (one header row, then one array per torrent) turned back into
 * objects. Falls back to objects for daemons that ignore `format`.
 */
export async function getTorrents(rpc, fields, ids) {
  const args = { fields, format: 'table' };
  if (ids !== undefined) args.ids = ids;
  const reply = await rpc.call('torrent-get', args);
  const rows = reply.torrents ?? [];
  let torrents = rows;
  if (rows.length > 0 && Array.isArray(rows[0])) {
    const [keys, ...values] = rows;
    torrents = values.map((row) => {
      const torrent = {};
      for (let i = 0; i < keys.length; i++) torrent[keys[i]] = row[i];
      return torrent;
    });
  }
  return { torrents, removed: reply.removed ?? [] };
}
