// The admin API as the page uses it: the token (kept in session storage), the status stream,
// and the REST calls behind each action, with the API's own error message when one is refused.

const TOKEN_KEY = 'switchyard.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function authHeaders() {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** No event for this long (the server sends one a second): the stream is dead; open another. */
const STALE_MS = 5000;
const RETRY_MS = 2000;

/** Calls `onEvent(name, data)` for each complete event in `text`; returns what is left over. */
function parseEvents(text, onEvent) {
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop();
  for (const block of blocks) {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) onEvent(name, data.join('\n'));
  }
  return rest;
}

/**
 * Follows the status stream (server-sent events read with fetch, so the token goes in the
 * Authorization header, never in a URL). `on.status(view)` for every status, `on.state(text,
 * ok)` for the connection's state, `on.unauthorized()` when the token is missing or refused.
 */
export function followStatus(on) {
  let ctl;
  let retry;
  let watchdog;
  let stopped = false;

  const again = (text, ms = RETRY_MS) => {
    if (stopped) return;
    on.state(text, false);
    retry = setTimeout(() => void open(), ms);
  };
  const stale = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => ctl.abort(), STALE_MS);
  };

  const open = async () => {
    ctl = new AbortController();
    stale();
    let res;
    try {
      res = await fetch('/api/v1/events', { headers: { ...authHeaders(), Accept: 'text/event-stream' }, signal: ctl.signal, cache: 'no-store' });
    } catch {
      again('admin API unreachable; retrying…');
      return;
    }
    if (res.status === 401) {
      stop();
      on.unauthorized();
      return;
    }
    if (!res.ok || res.body === null) {
      const why = res.status === 403 ? errorMessage(res.status, await res.text()) : `HTTP ${res.status}`;
      again(`event stream refused: ${why}; retrying…`, res.status === 403 ? 10000 : RETRY_MS);
      return;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered = parseEvents(buffered + value, (name, data) => {
          if (name !== 'status') return;
          stale();
          on.state('live', true);
          on.status(JSON.parse(data));
        });
      }
    } catch {
      // Aborted (stale or stopped) or the connection dropped.
    }
    clearTimeout(watchdog);
    again('stream interrupted; reconnecting…');
  };

  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    clearTimeout(watchdog);
    ctl?.abort();
  };

  on.state('connecting…', false);
  void open();
  return { stop };
}

/** The message an error response carries, whatever its exact shape. */
function errorMessage(status, text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const err = body?.error;
  const message = (typeof err === 'string' ? err : err?.message) ?? body?.message ?? text.trim();
  const code = err?.code ?? body?.code;
  const found = err?.details?.issues ?? err?.issues ?? body?.issues;
  const issues = Array.isArray(found) ? found : [];
  const lines = [message || `HTTP ${status}`];
  for (const i of issues) lines.push(`${i.path ? `${i.path}: ` : ''}${i.message}`);
  return code ? `${lines.join('\n')} (${code})` : lines.join('\n');
}

/**
 * Calls the admin API. Resolves { ok: true, body } or { ok: false, status, message };
 * status 401 means the token must be asked for again.
 */
export async function callApi(method, path, params) {
  const headers = { ...authHeaders() };
  const init = { method, headers, cache: 'no-store' };
  if (params !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(params);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    return { ok: false, status: 0, message: `the admin API could not be reached (${err.message})` };
  }
  const text = await res.text();
  if (!res.ok) return { ok: false, status: res.status, message: errorMessage(res.status, text) };
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { ok: true, body };
}

const seg = encodeURIComponent;

export const routes = {
  backendState: (pool, backend, state) => ['POST', `/api/v1/pools/${seg(pool)}/backends/${seg(backend)}/${state}`, {}],
  backendWeight: (pool, backend, weight) => ['PUT', `/api/v1/pools/${seg(pool)}/backends/${seg(backend)}/weight`, { weight }],
  activePool: (listener, pool) => ['PUT', `/api/v1/listeners/${seg(listener)}/active-pool`, { pool }],
};
