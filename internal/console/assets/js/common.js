// Pieces the preview and job panels share: the text field that validates
// as one types, range checks with the server's words, and following an
// async job to its end.

import { checkText, MAX_TEXT } from './validate.js';
import { sleep } from './ui.js';

const number = new Intl.NumberFormat('en');

/**
 * bindTextField validates textarea on every input, shows the count of
 * characters to read and the first problem, and returns a function that
 * validates now and returns checkText's result.
 */
export function bindTextField(textarea, countEl, messageEl) {
  const check = () => {
    const r = checkText(textarea.value);
    countEl.textContent = `${number.format(r.count)} / ${number.format(MAX_TEXT)} characters to read` + (r.ssml ? ' (SSML)' : '');
    messageEl.textContent = r.ok ? '' : r.message;
    messageEl.dataset.valid = String(r.ok);
    textarea.setAttribute('aria-invalid', String(!r.ok));
    return r;
  };
  textarea.addEventListener('input', check);
  check();
  return check;
}

/** checkRange returns the server's message for a field outside [min, max],
 * or ''. An empty field is left to the server's default. */
export function checkRange(field, raw, min, max) {
  if (raw === '' || raw === undefined) return '';
  if (!/^-?\d+$/.test(String(raw).trim())) return `field ${field} must be an integer between ${min} and ${max}, got ${JSON.stringify(String(raw))}`;
  const v = Number(raw);
  if (v < min || v > max) return `field ${field} must be between ${min} and ${max}, got ${v}`;
  return '';
}

/** vocabularyChoice turns a "", "true" or "false" select into the field
 * is_vocabulary_config_enable (absent, true or false). */
export function vocabularyChoice(value) {
  return value === '' ? undefined : value === 'true';
}

/**
 * waitJob polls ShowAsyncTtsJob until the job ends. It calls onState with
 * each answer, returns the answer of a SUCCEED job and throws a JobFailed
 * error for a FAILED one.
 */
export async function waitJob(api, jobId, { signal, onState = () => {} } = {}) {
  let wait = 200;
  for (;;) {
    if (signal) signal.throwIfAborted();
    const r = await api.get(`/ttsc/async-jobs/${jobId}`);
    onState(r);
    if (r.state === 'SUCCEED') return r;
    if (r.state === 'FAILED') {
      const e = new Error(r.message || 'the job failed');
      e.name = 'JobFailed';
      e.code = r.code;
      e.job = r;
      throw e;
    }
    await sleep(wait, signal);
    wait = Math.min(wait * 1.5, 2000);
  }
}
