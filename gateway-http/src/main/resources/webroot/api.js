// The gateway's HTTP API as the page uses it. Requests are same-origin, so the HttpOnly session
// cookie rides along; errors come back as RFC 9457 problem+json and are thrown as Problem.

export class Problem extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.problem = problem;
    this.status = problem.status || 0;
  }
}

/** Reads a failed response's problem+json; a body that is not one still gives a Problem. */
export async function problemOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's page or an empty body
  }
  if (body && typeof body === 'object') {
    return new Problem({ status: response.status, ...body });
  }
  return new Problem({ status: response.status, title: response.statusText || 'Request failed' });
}

/** Sends a request and returns its JSON (null for 204); throws Problem on an error status. */
export async function call(method, path, body, signal) {
  const init = { method, headers: { accept: 'application/json' }, signal };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new Problem({ status: 0, title: 'Gateway unreachable', detail: `Cannot reach the gateway: ${e.message}` });
  }
  if (!response.ok) throw await problemOf(response);
  return response.status === 204 ? null : response.json();
}

/** A query string of the set (non-empty) parameters. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export const session = {
  /** The signed-in identity, or null when not signed in. */
  async get() {
    try {
      return await call('GET', '/v1/session');
    } catch (e) {
      if (e instanceof Problem && e.status === 401) return null;
      throw e;
    }
  },
  signIn(token) {
    // No token, no body: a broker running without tokens then names its open principal (a
    // body with an empty token is refused as a bad parameter).
    return token ? call('POST', '/v1/session', { token }) : call('POST', '/v1/session');
  },
  signOut() {
    return call('DELETE', '/v1/session');
  },
};

export function requestStatus(app, id, cursor, signal) {
  const path = `/v1/apps/${encodeURIComponent(app)}/requests/${encodeURIComponent(id)}/status`;
  return call('GET', path + query({ logs: 1, cursor }), undefined, signal);
}

export function logs(params, signal) {
  return call('GET', '/v1/logs' + query(params), undefined, signal);
}
