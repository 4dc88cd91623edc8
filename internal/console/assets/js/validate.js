// Text and SSML checks with the server's rules (internal/httpapi/audition.go
// checkText and internal/text/ssml.go), so the editor can say what is wrong
// while one types. The server stays the authority: it also checks what the
// page cannot (IPA symbols), and its error_msg is shown when it refuses.

/** MAX_TEXT is the most characters (code points) a text may have to read. */
export const MAX_TEXT = 10000;
const MAX_BREAK_MS = 10000;
const MAX_TOTAL_BREAK_MS = 120000;
const MAX_DEPTH = 32;
const MAX_ELEMENTS = 1000;

// Go's unicode.IsSpace.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** isSpace reports whether the character is white space as Go sees it. */
export function isSpace(ch) {
  return SPACE.test(ch);
}

function trimLeft(s) {
  let i = 0;
  for (const ch of s) {
    if (!isSpace(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

/** onlySpace reports whether s is empty or only white space. */
export function onlySpace(s) {
  for (const ch of s) if (!isSpace(ch)) return false;
  return true;
}

/** runes counts the code points of s, as Go's utf8.RuneCountInString. */
export function runes(s) {
  let n = 0;
  for (const _ of s) n++; // eslint-disable-line no-unused-vars
  return n;
}

/** isSSML reports whether the server reads s as SSML: it starts with
 * <speak, after white space and an optional <?xml …?> declaration. */
export function isSSML(s) {
  s = trimLeft(s);
  if (s.startsWith('<?xml')) {
    const end = s.indexOf('?>');
    if (end >= 0) s = trimLeft(s.slice(end + 2));
  }
  return s.startsWith('<speak');
}

const BREAK_STRENGTHS = { none: 0, 'x-weak': 100, weak: 200, medium: 400, strong: 700, 'x-strong': 1000 };
const PROSODY_WORDS = {
  rate: { 'x-slow': 0.5, slow: 0.75, medium: 1, default: 1, fast: 1.5, 'x-fast': 2 },
  pitch: { 'x-low': 0.5, low: 0.75, medium: 1, default: 1, high: 1.25, 'x-high': 1.5 },
  volume: { silent: 0, 'x-soft': 0.5, soft: 0.75, medium: 1, default: 1, loud: 1.25, 'x-loud': 1.5 },
};
const PROSODY_WORD_ORDER = ['x-slow', 'slow', 'x-low', 'low', 'silent', 'x-soft', 'soft', 'medium', 'fast', 'x-fast',
  'high', 'x-high', 'loud', 'x-loud'];
const PROSODY_RANGE = { rate: [0.5, 2], pitch: [0.5, 2], volume: [0, 2] };
const SAY_AS = ['characters', 'spell', 'telephone', 'digits', 'cardinal', 'number', 'figure', 'date', 'english'];
const PINYIN = /^[a-zü]+[1-5]( [a-zü]+[1-5])*$/;

/** isPinyin reports whether s is pinyin syllables with tone digits. */
export function isPinyin(s) {
  return PINYIN.test(s);
}

// parseFloat as Go's strconv.ParseFloat for the decimal forms people
// write; NaN for anything else.
function goFloat(s) {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return NaN;
}

// Go's %g for the small numbers of range messages.
function g(v) {
  return String(v);
}

function quote(s) {
  return JSON.stringify(s);
}

function trimGo(s) {
  let a = 0;
  const chars = Array.from(s);
  let b = chars.length;
  while (a < b && isSpace(chars[a])) a++;
  while (b > a && isSpace(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}

class SSMLError extends Error {}

// position gives the 1-based line and column (in characters) of offset
// off of src, as the server counts them.
function position(src, off) {
  const before = src.slice(0, Math.max(0, Math.min(off, src.length)));
  const line = 1 + (before.match(/\n/g) || []).length;
  const col = 1 + runes(before.slice(before.lastIndexOf('\n') + 1));
  return [line, col];
}

// XMLError is a syntax error of the decoder (Go's *xml.SyntaxError), or,
// with plain set, another error of it (an unsupported declaration).
class XMLError extends Error {
  constructor(message, plain = false) {
    super(message);
    this.plain = plain;
  }
}

const XML_ENTITIES = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const NAME_FIRST = /^[\p{L}\p{Nl}_:]$/u;
const NAME_NEXT = /^[\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Lm}_:.\-\u00b7]$/u;

function isNameByte(c) {
  return /^[A-Za-z0-9_:.-]$/.test(c);
}

function isName(s) {
  const chars = Array.from(s);
  return chars.length > 0 && NAME_FIRST.test(chars[0]) && chars.slice(1).every((c) => NAME_NEXT.test(c));
}

function inCharacterRange(cp) {
  return cp === 0x09 || cp === 0x0a || cp === 0x0d || (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function procInst(param, s) {
  const i = s.indexOf(param);
  if (i < 0) return '';
  let v = s.slice(i + param.length).trimStart();
  if (!v.startsWith('=')) return '';
  v = v.slice(1).trimStart();
  const q = v[0];
  if (q !== "'" && q !== '"') return '';
  const end = v.indexOf(q, 1);
  return end < 0 ? '' : v.slice(1, end);
}

function splitName(s) {
  const i = s.indexOf(':');
  if (i < 1 || i === s.length - 1) return { space: '', local: s };
  return { space: s.slice(0, i), local: s.slice(i + 1) };
}

// XMLDecoder reads tokens as Go's encoding/xml Decoder does in strict
// mode, with the same errors and the same offsets, so that positions in
// messages match the server's.
class XMLDecoder {
  constructor(src) {
    this.src = src;
    this.offset = 0;
    this.stack = [];
    this.needClose = null;
    this.eof = false;
  }

  getc() {
    if (this.offset >= this.src.length) return null;
    return this.src[this.offset++];
  }

  mustgetc() {
    const c = this.getc();
    if (c === null) throw new XMLError('unexpected EOF');
    return c;
  }

  ungetc() {
    this.offset--;
  }

  space() {
    for (;;) {
      const c = this.getc();
      if (c === null) return;
      if (c !== ' ' && c !== '\r' && c !== '\n' && c !== '\t') {
        this.ungetc();
        return;
      }
    }
  }

  // readName reads name characters; it returns null when the next
  // character cannot start one.
  readName() {
    let c = this.mustgetc();
    if (c < '\x80' && !isNameByte(c)) {
      this.ungetc();
      return null;
    }
    let s = c;
    for (;;) {
      c = this.mustgetc();
      if (c < '\x80' && !isNameByte(c)) {
        this.ungetc();
        return s;
      }
      s += c;
    }
  }

  name() {
    const s = this.readName();
    if (s === null) return null;
    if (!isName(s)) throw new XMLError('invalid XML name: ' + s);
    return s;
  }

  nsname() {
    const s = this.name();
    if (s === null) return null;
    if (s.split(':').length > 2) return null;
    return splitName(s);
  }

  // text reads character data up to <, the closing quote (quote), or ]]>
  // (cdata).
  text(quote, cdata) {
    let b0 = '';
    let b1 = '';
    let buf = '';
    let trunc = 0;
    for (;;) {
      let c = this.getc();
      if (c === null) {
        if (cdata) throw new XMLError('unexpected EOF in CDATA section');
        break;
      }
      if (quote === null && b0 === ']' && b1 === ']' && c === '>') {
        if (cdata) {
          trunc = 2;
          break;
        }
        throw new XMLError('unescaped ]]> not in CDATA section');
      }
      if (c === '<' && !cdata) {
        if (quote !== null) throw new XMLError('unescaped < inside quoted string');
        this.ungetc();
        break;
      }
      if (quote !== null && c === quote) break;
      if (c === '&' && !cdata) {
        const before = buf.length;
        buf += '&';
        let text = null;
        c = this.mustgetc();
        if (c === '#') {
          buf += c;
          c = this.mustgetc();
          let base = 10;
          if (c === 'x') {
            base = 16;
            buf += c;
            c = this.mustgetc();
          }
          const start = buf.length;
          while (/[0-9]/.test(c) || (base === 16 && /[a-fA-F]/.test(c))) {
            buf += c;
            c = this.mustgetc();
          }
          if (c !== ';') {
            this.ungetc();
          } else {
            const digits = buf.slice(start);
            buf += ';';
            const n = digits === '' ? NaN : parseInt(digits, base);
            if (n <= 0x10ffff) text = n >= 0xd800 && n <= 0xdfff ? '\ufffd' : String.fromCodePoint(n);
          }
        } else {
          this.ungetc();
          const name = this.readName();
          if (name !== null) buf += name;
          c = this.mustgetc();
          if (c !== ';') {
            this.ungetc();
          } else {
            buf += ';';
            if (name !== null && isName(name) && Object.hasOwn(XML_ENTITIES, name)) text = XML_ENTITIES[name];
          }
        }
        if (text !== null) {
          buf = buf.slice(0, before) + text;
          b0 = '';
          b1 = '';
          continue;
        }
        let ent = buf.slice(before);
        if (!ent.endsWith(';')) ent += ' (no semicolon)';
        throw new XMLError('invalid character entity ' + ent);
      }
      if (c === '\r') buf += '\n';
      else if (!(b1 === '\r' && c === '\n')) buf += c;
      b0 = b1;
      b1 = c;
    }
    const data = trunc ? buf.slice(0, buf.length - trunc) : buf;
    for (const ch of data) {
      const cp = ch.codePointAt(0);
      if (!inCharacterRange(cp)) {
        throw new XMLError(`illegal character code U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
      }
    }
    return data;
  }

  rawToken() {
    if (this.needClose) {
      const name = this.needClose;
      this.needClose = null;
      return { type: 'end', name };
    }
    let c = this.getc();
    if (c === null) return null;
    if (c !== '<') {
      this.ungetc();
      return { type: 'text', data: this.text(null, false) };
    }
    c = this.mustgetc();
    if (c === '/') {
      const name = this.nsname();
      if (!name) throw new XMLError('expected element name after </');
      this.space();
      if (this.mustgetc() !== '>') throw new XMLError(`invalid characters between </${name.local} and >`);
      return { type: 'end', name };
    }
    if (c === '?') {
      const target = this.name();
      if (target === null) throw new XMLError('expected target name after <?');
      this.space();
      let data = '';
      let b0 = '';
      for (;;) {
        c = this.mustgetc();
        data += c;
        if (b0 === '?' && c === '>') break;
        b0 = c;
      }
      data = data.slice(0, -2);
      if (target === 'xml') {
        const ver = procInst('version', data);
        if (ver !== '' && ver !== '1.0') throw new XMLError(`xml: unsupported version ${quote(ver)}; only version 1.0 is supported`, true);
        const enc = procInst('encoding', data);
        if (enc !== '' && enc.toLowerCase() !== 'utf-8') {
          throw new XMLError(`xml: encoding ${quote(enc)} declared but Decoder.CharsetReader is nil`, true);
        }
      }
      return { type: 'procinst', target };
    }
    if (c === '!') {
      c = this.mustgetc();
      if (c === '-') {
        if (this.mustgetc() !== '-') throw new XMLError('invalid sequence <!- not part of <!--');
        let b0 = '';
        let b1 = '';
        for (;;) {
          c = this.mustgetc();
          if (b0 === '-' && b1 === '-') {
            if (c !== '>') throw new XMLError('invalid sequence "--" not allowed in comments');
            break;
          }
          b0 = b1;
          b1 = c;
        }
        return { type: 'comment' };
      }
      if (c === '[') {
        for (const want of 'CDATA[') {
          if (this.mustgetc() !== want) throw new XMLError('invalid <![ sequence');
        }
        return { type: 'text', data: this.text(null, true) };
      }
      // A directive (<!DOCTYPE …>): read to its end, as Go does.
      let inquote = '';
      let depth = 0;
      for (;;) {
        c = this.mustgetc();
        if (inquote === '' && c === '>' && depth === 0) break;
        if (c === inquote) inquote = '';
        else if (inquote !== '') continue;
        else if (c === "'" || c === '"') inquote = c;
        else if (c === '>') depth--;
        else if (c === '<') depth++;
      }
      return { type: 'directive' };
    }
    this.ungetc();
    const name = this.nsname();
    if (!name) throw new XMLError('expected element name after <');
    const attrs = [];
    let empty = false;
    for (;;) {
      this.space();
      c = this.mustgetc();
      if (c === '/') {
        empty = true;
        if (this.mustgetc() !== '>') throw new XMLError('expected /> in element');
        break;
      }
      if (c === '>') break;
      this.ungetc();
      const aname = this.nsname();
      if (!aname) throw new XMLError('expected attribute name in element');
      this.space();
      if (this.mustgetc() !== '=') throw new XMLError('attribute name without = in element');
      this.space();
      const q = this.mustgetc();
      if (q !== '"' && q !== "'") throw new XMLError('unquoted or missing attribute value in element');
      attrs.push({ name: aname, value: this.text(q, false) });
    }
    if (empty) this.needClose = name;
    return { type: 'start', name, attrs };
  }

  // token is Go's Decoder.Token: raw tokens with start and end elements
  // matched; null at the end of the document.
  token() {
    if (this.eof) return null;
    const t = this.rawToken();
    if (t === null) {
      if (this.stack.length) throw new XMLError('unexpected EOF');
      this.eof = true;
      return null;
    }
    if (t.type === 'start') this.stack.push(t.name);
    if (t.type === 'end') {
      const s = this.stack.pop();
      if (!s) throw new XMLError(`unexpected end element </${t.name.local}>`);
      if (s.local !== t.name.local) throw new XMLError(`element <${s.local}> closed by </${t.name.local}>`);
      if (s.space !== t.name.space) {
        throw new XMLError(`element <${s.local}> in space ${s.space} closed by </${t.name.local}> in space ${t.name.space}`);
      }
    }
    return t;
  }
}

// SSMLParser reads a document token by token as the server's ssmlParser
// (internal/text/ssml.go) does, building the display text and stopping
// at the first error with the same words and position.
class SSMLParser {
  constructor(src) {
    this.src = src;
    this.d = new XMLDecoder(src);
    this.display = '';
    this.elements = 0;
    this.pausedMs = 0;
  }

  errorf(off, elem, message) {
    const [line, col] = position(this.src, off);
    throw new SSMLError(`${elem ? `SSML: <${elem}>` : 'SSML'} at line ${line}, column ${col}: ${message}`);
  }

  // next returns the next token; decoder errors become the server's.
  next(off) {
    try {
      return this.d.token();
    } catch (e) {
      if (!(e instanceof XMLError)) throw e;
      if (e.plain) this.errorf(off, '', e.message);
      const [line] = position(this.src, this.d.offset);
      throw new SSMLError(`SSML is not well-formed at line ${line}: ${e.message}`);
    }
  }

  parse() {
    let seenRoot = false;
    for (;;) {
      const off = this.d.offset;
      const t = this.next(off);
      if (t === null) {
        if (!seenRoot) this.errorf(off, '', 'the document has no <speak> element');
        return this.display;
      }
      if (t.type === 'start') {
        if (seenRoot) this.errorf(off, t.name.local, 'text after </speak>; a document has one <speak> element');
        if (t.name.local !== 'speak') this.errorf(off, t.name.local, 'the document must start with <speak>');
        seenRoot = true;
        this.attrs(off, t, 'version', 'lang', 'xmlns', 'base');
        this.children('speak', 1, { rate: 1, pitch: 1, volume: 1 });
      } else if (t.type === 'text') {
        if (!onlySpace(t.data)) this.errorf(off, '', 'text outside <speak>');
      } else if (t.type === 'directive') {
        this.errorf(off, '', 'declarations (<!...>) are not accepted');
      }
    }
  }

  attrs(off, t, ...allowed) {
    for (const a of t.attrs) {
      if (a.name.space === 'xmlns' || a.name.local === 'xmlns') continue;
      if (!allowed.includes(a.name.local)) {
        this.errorf(off, t.name.local, `attribute ${a.name.local} is not accepted here; accepted: ${allowed.join(', ')}`);
      }
    }
  }

  attr(t, name) {
    const a = t.attrs.find((x) => x.name.local === name);
    return a ? trimGo(a.value) : null;
  }

  separate(sep) {
    const d = this.display;
    if (d === '' || d.endsWith(' ') || d.endsWith('\n')) return;
    this.display += sep;
  }

  children(name, depth, pr) {
    if (depth > MAX_DEPTH) this.errorf(this.d.offset, name, `elements nest deeper than ${MAX_DEPTH} levels`);
    for (;;) {
      const off = this.d.offset;
      const t = this.next(off);
      if (t === null) this.errorf(off, name, 'the element is not closed');
      switch (t.type) {
        case 'end':
          return;
        case 'text':
          this.display += t.data;
          break;
        case 'directive':
          this.errorf(off, '', 'declarations (<!...>) are not accepted');
          break;
        case 'start':
          if (++this.elements > MAX_ELEMENTS) this.errorf(off, t.name.local, `the document has more than ${MAX_ELEMENTS} elements`);
          this.element(off, t, depth + 1, pr);
          break;
      }
    }
  }

  // text reads the content of name up to its end, refusing elements.
  text(off, name) {
    let s = '';
    for (;;) {
      const inner = this.d.offset;
      const t = this.next(inner);
      if (t === null) this.errorf(off, name, 'the element is not closed');
      if (t.type === 'end') return s;
      if (t.type === 'text') s += t.data;
      if (t.type === 'start') this.errorf(inner, t.name.local, `<${name}> may only contain text`);
    }
  }

  empty(off, name) {
    if (!onlySpace(this.text(off, name))) this.errorf(off, name, 'the element takes no text');
  }

  element(off, t, depth, pr) {
    const name = t.name.local;
    switch (name) {
      case 'break': {
        this.attrs(off, t, 'time', 'strength');
        const ms = this.breakMs(off, t);
        this.empty(off, name);
        this.pausedMs += ms;
        if (this.pausedMs > MAX_TOTAL_BREAK_MS) {
          throw new SSMLError(`SSML: the <break> elements add up to more than ${MAX_TOTAL_BREAK_MS} ms`);
        }
        this.separate(' ');
        return;
      }
      case 'prosody':
        this.attrs(off, t, 'rate', 'pitch', 'volume');
        this.children(name, depth, this.nestProsody(off, t, pr));
        return;
      case 'speak':
        this.errorf(off, name, '<speak> may only be the root');
        return;
      case 'p': case 's': case 'paragraph': case 'sentence':
        this.attrs(off, t, 'lang');
        this.separate('\n');
        this.children(name, depth, pr);
        this.separate('\n');
        return;
      case 'emotion':
        this.attrs(off, t, 'type', 'category', 'intensity');
        this.children(name, depth, pr);
        return;
      case 'mark': case 'insert-action':
        this.attrs(off, t, 'name', 'tag', 'id');
        this.empty(off, name);
        return;
      case 'say-as': case 'sub': case 'phoneme': case 'word': case 'w':
        this.leaf(off, t);
        return;
    }
    this.errorf(off, name, 'unknown element; ttsc reads speak, break, prosody, say-as, sub, phoneme, word, emotion, p, s, mark and insert-action');
  }

  leaf(off, t) {
    const name = t.name.local;
    const allowed = { 'say-as': ['interpret-as', 'format', 'detail'], sub: ['alias'], phoneme: ['alphabet', 'ph'] }[name] || [];
    this.attrs(off, t, ...allowed);
    const content = this.text(off, name);
    if (name === 'say-as') {
      const as = this.attr(t, 'interpret-as') || '';
      if (!SAY_AS.includes(as)) this.errorf(off, name, `interpret-as ${quote(as)} is not one of ${SAY_AS.join(', ')}`);
    } else if (name === 'sub') {
      if (!this.attr(t, 'alias')) this.errorf(off, name, 'attribute alias is required and may not be empty');
    } else if (name === 'phoneme') {
      const ph = this.attr(t, 'ph');
      if (!ph) this.errorf(off, name, 'attribute ph is required and may not be empty');
      let alphabet = this.attr(t, 'alphabet') || '';
      if (alphabet === '') alphabet = isPinyin(ph.toLowerCase()) ? 'pinyin' : 'ipa';
      if (alphabet === 'pinyin' || alphabet === 'x-pinyin') {
        const p = ph.toLowerCase().split(SPACES).filter(Boolean).join(' ');
        if (!isPinyin(p)) this.errorf(off, name, `ph ${quote(p)} is not pinyin syllables with tone digits 1-5, such as "chong2 qing4"`);
      } else if (alphabet !== 'ipa') {
        this.errorf(off, name, `alphabet ${quote(alphabet)} is not ipa or pinyin`);
      }
      // Which IPA symbols an engine reads is the server's to check.
    }
    this.display += content;
  }

  breakMs(off, t) {
    const time = this.attr(t, 'time');
    if (time !== null) {
      let ms = NaN;
      if (time.endsWith('ms')) ms = goFloat(time.slice(0, -2));
      else if (time.endsWith('s')) ms = goFloat(time.slice(0, -1)) * 1000;
      if (Number.isNaN(ms) || ms < 0) this.errorf(off, 'break', `time ${quote(time)} is not a duration such as 500ms or 2s`);
      if (ms > MAX_BREAK_MS) this.errorf(off, 'break', `time ${quote(time)} is longer than the limit of ${MAX_BREAK_MS} ms`);
      return Math.round(ms);
    }
    const strength = this.attr(t, 'strength');
    if (strength !== null) {
      if (!Object.hasOwn(BREAK_STRENGTHS, strength)) {
        this.errorf(off, 'break', `strength ${quote(strength)} is not one of none, x-weak, weak, medium, strong, x-strong`);
      }
      return BREAK_STRENGTHS[strength];
    }
    return BREAK_STRENGTHS.medium;
  }

  nestProsody(off, t, outer) {
    const pr = { ...outer };
    for (const name of ['rate', 'pitch', 'volume']) {
      const s = this.attr(t, name);
      if (s === null) continue;
      const m = prosodyValue(name, s);
      if (typeof m === 'string') this.errorf(off, 'prosody', m);
      pr[name] *= m;
      const [lo, hi] = PROSODY_RANGE[name];
      if (pr[name] < lo - 1e-9 || pr[name] > hi + 1e-9) {
        this.errorf(off, 'prosody', `${name} ${quote(s)} makes the ${name} ${pr[name].toFixed(2)} times the request's; the range is ${g(lo)} to ${g(hi)}`);
      }
    }
    return pr;
  }
}

// Go's strings.Fields separators.
const SPACES = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

// prosodyValue reads a prosody attribute as a multiplier, or returns the
// message that says why it cannot.
function prosodyValue(name, s) {
  const words = PROSODY_WORDS[name];
  if (Object.hasOwn(words, s)) return words[s];
  const bad = () => {
    const list = PROSODY_WORD_ORDER.filter((w) => Object.hasOwn(words, w));
    const extra = name === 'volume' ? ', decibels (+6dB)' : '';
    return `${name} ${quote(s)} is not a percentage (120%, +20%), a multiplier (1.2)${extra} or one of ${list.join(', ')}`;
  };
  if (s.endsWith('%')) {
    const v = goFloat(s.slice(0, -1));
    if (!Number.isFinite(v)) return bad();
    return s.startsWith('+') || s.startsWith('-') ? 1 + v / 100 : v / 100;
  }
  if (name === 'volume' && s.toLowerCase().endsWith('db')) {
    const v = goFloat(s.slice(0, -2));
    if (!Number.isFinite(v)) return bad();
    return 10 ** (v / 20);
  }
  const v = goFloat(s);
  if (!Number.isFinite(v) || v < 0 || s.startsWith('+')) return bad();
  return v;
}

// parseSSML checks src (which isSSML) and returns its display text: the
// text with the markup removed, as timestamps count it.
function parseSSML(src) {
  return new SSMLParser(src).parse();
}

/**
 * checkText validates a text field as the server does. It returns
 * {ok: true, ssml, display, count} or {ok: false, message, count}, where
 * count is the number of characters to read (markup excluded).
 */
export function checkText(v, field = 'text') {
  if (v === '') return { ok: false, count: 0, message: `field ${field} is required: 1 to ${MAX_TEXT} characters` };
  // A lone surrogate reaches the server as U+FFFD (JSON decoding), so it
  // counts as one.
  if (typeof v.toWellFormed === 'function') v = v.toWellFormed();
  let display = v;
  const ssml = isSSML(v);
  if (ssml) {
    const n = runes(v);
    if (n > 2 * MAX_TEXT) {
      return { ok: false, count: n, message: `field ${field} is ${n} characters long with its SSML markup; the limit is ${2 * MAX_TEXT}` };
    }
    try {
      display = parseSSML(v);
    } catch (e) {
      if (!(e instanceof SSMLError)) throw e;
      return { ok: false, count: 0, message: `field ${field}: ${e.message}` };
    }
  }
  const count = runes(display);
  if (count > MAX_TEXT) return { ok: false, count, message: `field ${field} is ${count} characters long; the limit is ${MAX_TEXT}` };
  if (onlySpace(display)) return { ok: false, count, message: `field ${field} has nothing to read: it is only white space or markup` };
  return { ok: true, ssml, display, count };
}

/**
 * checkEntry validates a pronunciation entry as the server does, but for
 * the IPA of PHONETIC_SYMBOL values, which the server checks. It returns
 * a message, or ''.
 */
export function checkEntry(type, key, value) {
  key = trimGo(key);
  value = trimGo(value);
  const nk = runes(key);
  const nv = runes(value);
  if (nk === 0 || nk > 100) return `field key must be 1 to 100 characters, got ${nk}`;
  if (nv > 500 || (nv === 0 && type !== 'CONTINUUM')) return `field value must be 1 to 500 characters for type ${type}, got ${nv}`;
  if (type === 'SAY_AS') {
    const values = ['date', 'number', 'figure', 'telephone', 'spell', 'english'];
    if (!values.includes(value)) return `field value of a SAY_AS entry must be one of ${values.join(', ')}, got ${quote(value)}`;
  }
  if (type === 'CHINESE_G2P') {
    const p = value.split(SPACES).filter(Boolean).join(' ').toLowerCase();
    if (!isPinyin(p)) return `field value of a CHINESE_G2P entry must be pinyin syllables with tone digits 1-5, such as "chong2 qing4", got ${quote(p)}`;
    const han = Array.from(key).filter((c) => /\p{Script=Han}/u.test(c)).length;
    const syllables = p.split(' ').length;
    if (syllables !== han || han !== nk) {
      return `a CHINESE_G2P entry needs one pinyin syllable per Chinese character of its key: key ${quote(key)} has ${nk} characters, value has ${syllables} syllables`;
    }
  }
  return '';
}
