// Small DOM helpers shared by the panels: building elements, showing
// errors in plain words, downloads, clipboard, waiting.

/** $ returns the element with the id. */
export function $(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error('console: no element #' + id);
  return e;
}

/** el builds an element: el('button', {type: 'button', onclick: f}, 'Text'). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** describe turns an error into plain words and the request ID. */
export function describe(err) {
  if (err && err.name === 'PreviewFailed') {
    return { text: 'The server could not read the text: ' + err.message, code: err.code || '', requestId: '' };
  }
  if (err && err.name === 'JobFailed') {
    return { text: 'The job failed: ' + err.message, code: err.code || '', requestId: '' };
  }
  if (!err || err.name !== 'ApiError') {
    return { text: 'Something went wrong in the page: ' + (err && err.message ? err.message : String(err)), requestId: '' };
  }
  const msg = err.serverMessage;
  let text;
  switch (true) {
    case err.status === 0:
      text = 'The server could not be reached. Check that ttsc is running and try again.';
      break;
    case err.status === 401:
      text = 'The server did not accept your credentials: ' + msg;
      break;
    case err.status === 403:
      text = 'The server refused access: ' + msg;
      break;
    case err.status === 429:
      text = 'Too many requests right now' + (err.retryAfter ? `; try again in ${err.retryAfter} s` : '') + ': ' + msg;
      break;
    case err.status >= 500:
      text = 'The server failed: ' + msg;
      break;
    default:
      text = 'The server refused the request: ' + msg;
  }
  return { text, code: err.code, requestId: err.requestId };
}

/** showError fills box with err in plain words; showError(box) empties it. */
export function showError(box, err) {
  box.replaceChildren();
  if (!err) {
    box.hidden = true;
    return;
  }
  const d = describe(err);
  const p = el('p', { class: 'error-text' }, d.text);
  box.append(p);
  if (d.code || d.requestId) {
    box.append(el('p', { class: 'error-meta' },
      d.code ? ['Error code ', el('code', {}, d.code)] : '',
      d.code && d.requestId ? ' · ' : '',
      d.requestId ? ['Request ID ', el('code', { class: 'request-id' }, d.requestId)] : ''));
  }
  box.hidden = false;
}

/** showMessage shows a plain message in an error box. */
export function showMessage(box, text) {
  box.replaceChildren(el('p', { class: 'error-text' }, text));
  box.hidden = false;
}

/** sleep waits ms milliseconds; an aborted signal ends it early. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    if (signal) {
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason || new DOMException('aborted', 'AbortError'));
      }, { once: true });
    }
  });
}

/** download saves url under filename. The URL is same-origin (a signed
 * download URL, or a blob: URL the page made), so the download attribute
 * applies. */
export function download(url, filename) {
  const a = el('a', { href: url, download: filename, rel: 'noopener', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
}

/** copyText puts text on the clipboard; it reports whether it could. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall back to a selection below.
  }
  const area = el('textarea', { readonly: true, class: 'offscreen', 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** formatTime shows seconds as m:ss.t. */
export function formatTime(sec) {
  if (!Number.isFinite(sec) || sec < 0) sec = 0;
  const m = Math.floor(sec / 60);
  const s = sec - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** formatDate shows an RFC 3339 time in the reader's locale. */
export function formatDate(rfc3339) {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339 || '';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** confirmButton makes a button ask "again to confirm" before act runs. */
export function confirmButton(button, label, act) {
  let armed = false;
  let timer = 0;
  const original = button.textContent;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = label;
      button.classList.add('danger');
      timer = setTimeout(() => {
        armed = false;
        button.textContent = original;
        button.classList.remove('danger');
      }, 5000);
      return;
    }
    clearTimeout(timer);
    armed = false;
    button.disabled = true;
    try {
      await act();
    } finally {
      button.disabled = false;
      button.textContent = original;
      button.classList.remove('danger');
    }
  });
}

/** setBusy disables a button while work runs and says so. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
