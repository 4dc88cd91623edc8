// SDK-HMAC-SHA256 request signing with WebCrypto, as Huawei Cloud's SDKs
// sign and as internal/auth/signer.go verifies:
//
//   canonical request = METHOD \n canonical URI \n canonical query \n
//                       canonical headers \n signed headers \n hex(sha256(body))
//   string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(canonical request))
//   signature         = hex(hmac-sha256(secret key, string to sign))
//
// The page signs content-type, host and x-sdk-date.

const encoder = new TextEncoder();

/** Algorithm is the only algorithm ttsc accepts. */
export const ALGORITHM = 'SDK-HMAC-SHA256';

/** SIGNED_HEADERS are the headers the console signs, sorted. */
export const SIGNED_HEADERS = ['content-type', 'host', 'x-sdk-date'];

/** available reports whether this page may sign: WebCrypto's subtle API
 * exists only in secure contexts (HTTPS, or http://localhost). */
export function available() {
  return Boolean(globalThis.crypto && globalThis.crypto.subtle);
}

function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** sha256Hex returns the lower-case hex SHA-256 of a string. */
export async function sha256Hex(text) {
  return hex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

async function hmacHex(secret, text) {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
}

const HEX = '0123456789ABCDEF';

/** escape percent-encodes every UTF-8 byte but A–Z a–z 0–9 - _ . ~, with
 * upper-case hex (signer.go's escape). */
export function escape(s) {
  let out = '';
  for (const b of encoder.encode(s)) {
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
        b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e) {
      out += String.fromCharCode(b);
    } else {
      out += '%' + HEX[b >> 4] + HEX[b & 15];
    }
  }
  return out;
}

// unescape decodes %XX like Go's url.PathUnescape ("+" stays "+"); text
// that does not decode stays as it is.
function unescape(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** canonicalURI re-encodes each segment of an escaped path and ends it
 * with a slash. */
export function canonicalURI(escapedPath) {
  const p = escapedPath.split('/').map((seg) => escape(unescape(seg))).join('/');
  return p.endsWith('/') ? p : p + '/';
}

/** canonicalQuery sorts the parameters of a raw query by name, then value,
 * each encoded like a path segment. */
export function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  const params = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    params.push([escape(unescape(k)), escape(unescape(v))]);
  }
  // Escaped strings are ASCII, so string order is byte order, as in Go.
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  params.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
  return params.map(([k, v]) => k + '=' + v).join('&');
}

/** sdkDate formats a time as X-Sdk-Date wants it: 20060102T150405Z. */
export function sdkDate(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** canonicalRequest builds the text whose hash is signed. headers maps
 * lower-case names to values; host is the Host header the browser sends. */
export async function canonicalRequest(method, escapedPath, rawQuery, headers, body) {
  let lines = '';
  for (const name of SIGNED_HEADERS) lines += name + ':' + String(headers[name]).trim() + '\n';
  return [
    method.toUpperCase(),
    canonicalURI(escapedPath),
    canonicalQuery(rawQuery),
    lines,
    SIGNED_HEADERS.join(';'),
    await sha256Hex(body || ''),
  ].join('\n');
}

/**
 * sign returns the headers that authenticate one request: X-Sdk-Date and
 * Authorization. escapedPath and rawQuery must be exactly what is sent;
 * contentType is the Content-Type header sent; host is location.host.
 */
export async function sign({ method, escapedPath, rawQuery, contentType, host, body, accessKey, secretKey, date = new Date() }) {
  const xSdkDate = sdkDate(date);
  const canon = await canonicalRequest(method, escapedPath, rawQuery,
    { 'content-type': contentType, host, 'x-sdk-date': xSdkDate }, body);
  const stringToSign = ALGORITHM + '\n' + xSdkDate + '\n' + (await sha256Hex(canon));
  const signature = await hmacHex(secretKey, stringToSign);
  return {
    'X-Sdk-Date': xSdkDate,
    Authorization: `${ALGORITHM} Access=${accessKey}, SignedHeaders=${SIGNED_HEADERS.join(';')}, Signature=${signature}`,
  };
}
