// The API client: the session (credentials in sessionStorage only), signed
// or token-authenticated requests to /v1/{project_id}/..., and MetaStudio
// error bodies turned into ApiError.

import { available as canSign, escape, sign } from './signer.js';

const SESSION_KEY = 'ttsc.console.session';
const PROJECT_ID = /^[0-9a-f]{32}$/;

/** ApiError is a refused or failed request, with the server's words. */
export class ApiError extends Error {
  constructor(status, body, requestId, retryAfter) {
    const msg = (body && body.error_msg) || (status ? `HTTP ${status}` : 'the server could not be reached');
    super(msg);
    this.name = 'ApiError';
    this.status = status;
    this.code = (body && body.error_code) || '';
    this.serverMessage = msg;
    this.requestId = requestId || (body && body.request_id) || '';
    this.retryAfter = retryAfter || '';
  }
}

/** checkSession validates what a sign-in form gave; it returns a message
 * for the first problem, or ''. */
export function checkSession(s) {
  if (!PROJECT_ID.test(s.project || '')) return 'The project ID must be 32 lowercase hex characters (a–f, 0–9).';
  if (s.mode === 'token') {
    if (!s.token) return 'Enter the token.';
    return '';
  }
  if (!s.ak) return 'Enter the access key (AK).';
  if (!s.sk) return 'Enter the secret key (SK).';
  if (!canSign()) {
    return 'This page cannot sign requests here: browsers offer WebCrypto only on HTTPS and on localhost. ' +
      'Open the console over HTTPS or on localhost, or sign in with a token.';
  }
  return '';
}

/** loadSession returns the session of this tab, or null. */
export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (s && (s.mode === 'token' || s.mode === 'aksk') && !checkSession(s)) return s;
  } catch {
    // A damaged entry is no session.
  }
  return null;
}

/** saveSession keeps s for this tab. */
export function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

/** clearSession forgets the credentials. */
export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

/** query encodes parameters the way the signer canonicalizes them, so the
 * URL sent and the URL signed agree. Empty values are left out. */
export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) parts.push(escape(k) + '=' + escape(String(item)));
  }
  return parts.join('&');
}

/** Client sends requests of one session. */
export class Client {
  constructor(session) {
    this.session = session;
  }

  get project() {
    return this.session.project;
  }

  /** request sends method to /v1/{project_id}{path}; it returns the
   * decoded JSON answer or throws ApiError. */
  async request(method, path, { params, body } = {}) {
    const escapedPath = '/v1/' + escape(this.session.project) + path;
    const rawQuery = query(params);
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = { 'Content-Type': 'application/json' };
    if (this.session.mode === 'token') {
      headers['X-Auth-Token'] = this.session.token;
    } else {
      Object.assign(headers, await sign({
        method, escapedPath, rawQuery, contentType: headers['Content-Type'], host: location.host, body: text,
        accessKey: this.session.ak, secretKey: this.session.sk,
      }));
    }
    let resp;
    try {
      resp = await fetch(escapedPath + (rawQuery ? '?' + rawQuery : ''), {
        method, headers, body: text === '' ? undefined : text, cache: 'no-store', credentials: 'omit',
      });
    } catch (e) {
      throw new ApiError(0, { error_msg: 'the server could not be reached: ' + e.message }, '');
    }
    const requestId = resp.headers.get('X-Request-Id') || '';
    const answer = await resp.text();
    let data = null;
    try {
      data = answer ? JSON.parse(answer) : null;
    } catch {
      data = null;
    }
    if (!resp.ok) {
      throw new ApiError(resp.status, data || { error_msg: answer.slice(0, 300) || `HTTP ${resp.status}` },
        (data && data.request_id) || requestId, resp.headers.get('Retry-After'));
    }
    return data;
  }

  get(path, params) {
    return this.request('GET', path, { params });
  }

  post(path, body) {
    return this.request('POST', path, { body });
  }

  put(path, body) {
    return this.request('PUT', path, { body });
  }

  delete(path, body) {
    return this.request('DELETE', path, { body });
  }
}
