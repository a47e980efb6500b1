// The console's only way to the server: the public HTTP API, with the key the person typed, kept in this tab's
// session storage (never in local storage, never in the page's address).

const KEY = 'evident.console.key';

export function storedKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function storeKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/// An answer that was not 2xx, or no answer at all (`status` 0: the server is gone).
export class APIError extends Error {
  constructor(status, body, message) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function headers(extra) {
  const result = { Accept: 'application/json', ...extra };
  const key = storedKey();
  if (key) result.Authorization = `Bearer ${key}`;
  return result;
}

/// Calls the API; resolves with the JSON answer, rejects with an APIError.
export async function api(path, { method = 'GET', body, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new APIError(0, null, 'The server does not answer.');
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    throw new APIError(response.status, json, (json && json.error) || `HTTP ${response.status}`);
  }
  return json;
}

/// The live feed (`GET /_log/stream`) read with fetch, which can send the key (an EventSource cannot): calls
/// `onEvent` with each event, in order, until `signal` aborts or the server ends the feed.
export async function follow(path, { onEvent, onOpen, signal }) {
  let response;
  try {
    response = await fetch(path, { headers: headers({ Accept: 'text/event-stream' }), cache: 'no-store', signal });
  } catch (error) {
    if (error.name === 'AbortError') return;
    throw new APIError(0, null, 'The server does not answer.');
  }
  if (!response.ok) {
    let json = null;
    try {
      json = await response.json();
    } catch {
      json = null;
    }
    throw new APIError(response.status, json, (json && json.error) || `HTTP ${response.status}`);
  }
  if (onOpen) onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data) onEvent(JSON.parse(data));
      }
    }
  } catch (error) {
    if (error.name === 'AbortError' || (signal && signal.aborted)) return;
    throw new APIError(0, null, 'The live feed broke off: the server does not answer.');
  }
  if (!(signal && signal.aborted)) throw new APIError(0, null, 'The server ended the live feed.');
}

/// `type:id` split at its first colon (ids may hold a colon: `uuid:tag`).
export function splitKey(key) {
  const at = key.indexOf(':');
  return { type: key.slice(0, at), id: key.slice(at + 1) };
}

/// Whether a type and an id can be put in a path as they are: the server refuses percent-encoded paths, and
/// valid types and ids (snake_case; UUIDs, base32 codes, singletons, `uuid:tag`) never need encoding.
export function isPathSafe(text) {
  return /^[A-Za-z0-9_:-]+$/.test(text);
}

/// `/{type}/{id}`; throws on a type or id that no aggregate can have.
export function aggregatePath(type, id) {
  if (!isPathSafe(type) || !isPathSafe(id)) throw new APIError(422, null, `'${type}/${id}' is not a valid type and id.`);
  return `/${type}/${id}`;
}
