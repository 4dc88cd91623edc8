// Audio: a preview run (CreateTtsAudition, then ShowTtsAuditionFile polled
// while files grow), a playlist that plays its WAV segments back to back
// as they arrive, a waveform drawn from the decoded audio, a transcript
// that highlights the word being spoken (from the word timings ttsc sends
// with each file), and the segments joined into one WAV file.

import { sleep, formatTime } from './ui.js';

let decoder = null;

/** decode turns WAV bytes into an AudioBuffer with WebAudio. */
export async function decode(bytes) {
  // An offline context decodes without an audio device or a user gesture.
  decoder ||= new OfflineAudioContext(1, 1, 44100);
  return decoder.decodeAudioData(bytes.slice(0));
}

/**
 * AuditionRun creates a preview and follows it: each new segment is
 * fetched (from its signed same-origin URL), decoded and handed to
 * onSegment({index, blob, blobUrl, buffer, duration, wav, words}) in text
 * order. words are the file's word timings ([{text, begin_char, end_char,
 * begin_ms, end_ms}], ms from the start of the file; docs/api-notes.md).
 */
export class AuditionRun {
  constructor(api, body, { onSegment = () => {}, onProgress = () => {} } = {}) {
    this.api = api;
    this.body = body;
    this.onSegment = onSegment;
    this.onProgress = onProgress;
    this.segments = [];
    this.jobId = '';
    this.complete = false;
    this.abort = new AbortController();
  }

  /** start creates the job; it throws the server's refusal. */
  async start() {
    const created = await this.api.post('/ttsc/audition', this.body);
    this.jobId = created.job_id;
    return this.jobId;
  }

  /** follow polls until the preview ends; it throws when it failed. */
  async follow() {
    const signal = this.abort.signal;
    let wait = 150;
    for (;;) {
      signal.throwIfAborted();
      const r = await this.api.get(`/ttsc/audition-file/${this.jobId}`);
      signal.throwIfAborted();
      const files = r.files || [];
      while (this.segments.length < files.length) {
        const index = this.segments.length;
        const seg = await fetchSegment(files[index].download_url, index, signal);
        seg.words = Array.isArray(files[index].words) ? files[index].words : [];
        this.segments.push(seg);
        this.onSegment(seg);
      }
      this.onProgress({ segments: this.segments.length, complete: r.is_file_complete });
      if (r.is_file_complete) {
        this.complete = true;
        if (r.code !== '0') {
          const e = new Error(r.message || 'the preview failed');
          e.name = 'PreviewFailed';
          e.code = r.code;
          throw e;
        }
        return this.segments;
      }
      await sleep(wait, signal);
      wait = Math.min(wait * 1.5, 1000);
    }
  }

  /** files asks for fresh download URLs of the segments. */
  async files() {
    const r = await this.api.get(`/ttsc/audition-file/${this.jobId}`);
    return (r.files || []).map((f) => f.download_url);
  }

  /** cancel stops following and frees the decoded audio. */
  cancel() {
    this.abort.abort();
    for (const s of this.segments) URL.revokeObjectURL(s.blobUrl);
  }
}

async function fetchSegment(url, index, signal) {
  const resp = await fetch(url, { signal, cache: 'no-store', credentials: 'omit' });
  if (!resp.ok) {
    const e = new Error(`segment ${index + 1} could not be downloaded (HTTP ${resp.status})`);
    throw e;
  }
  const bytes = await resp.arrayBuffer();
  const wav = wavLayout(bytes);
  const buffer = await decode(bytes);
  const blob = new Blob([bytes], { type: 'audio/wav' });
  return { index, blob, blobUrl: URL.createObjectURL(blob), buffer, duration: buffer.duration, wav };
}

const ascii = (view, at) => String.fromCharCode(...new Uint8Array(view.buffer, view.byteOffset + at, 4));

/** wavLayout finds the format and the samples of a RIFF WAVE file:
 * {fmt: the fmt chunk's bytes, dataStart, dataLength}, or null. */
export function wavLayout(bytes) {
  const v = new DataView(bytes);
  if (v.byteLength < 12 || ascii(v, 0) !== 'RIFF' || ascii(v, 8) !== 'WAVE') return null;
  let fmt = null;
  for (let at = 12; at + 8 <= v.byteLength;) {
    const id = ascii(v, at);
    const size = v.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') fmt = new Uint8Array(bytes.slice(body, Math.min(body + size, v.byteLength)));
    if (id === 'data') {
      return fmt && { fmt, dataStart: body, dataLength: Math.min(size, v.byteLength - body) };
    }
    at = body + size + (size & 1);
  }
  return null;
}

/** joinWAV makes one WAV file of segments of the same format, their
 * samples end to end (as an async job of the same text would have them),
 * without copying them; null when they cannot be joined. */
export function joinWAV(segments) {
  if (segments.length === 0 || segments.some((s) => !s.wav)) return null;
  const fmt = segments[0].wav.fmt;
  const same = (a) => a.length === fmt.length && a.every((b, i) => b === fmt[i]);
  if (!segments.every((s) => same(s.wav.fmt))) return null;
  const dataLength = segments.reduce((n, s) => n + s.wav.dataLength, 0);
  const fmtPad = fmt.length & 1;
  const header = new ArrayBuffer(12 + 8 + fmt.length + fmtPad + 8);
  const v = new DataView(header);
  const put = (at, id) => [...id].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, header.byteLength - 8 + dataLength + (dataLength & 1), true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, fmt.length, true);
  new Uint8Array(header, 20, fmt.length).set(fmt);
  const dataAt = 20 + fmt.length + fmtPad;
  put(dataAt, 'data');
  v.setUint32(dataAt + 4, dataLength, true);
  const parts = [header, ...segments.map((s) => s.blob.slice(s.wav.dataStart, s.wav.dataStart + s.wav.dataLength))];
  if (dataLength & 1) parts.push(new Uint8Array(1));
  return new Blob(parts, { type: 'audio/wav' });
}

/**
 * Playlist plays segments through one <audio> element back to back; a
 * segment that has not arrived yet is waited for. Times are seconds from
 * the start of the first segment.
 */
export class Playlist extends EventTarget {
  constructor(audio) {
    super();
    this.audio = audio;
    this.items = [];
    this.index = -1;
    this.complete = false;
    this.waiting = false;
    this.autoplay = true;
    this.onEnded = () => this.next();
    this.onState = () => this.dispatchEvent(new Event('state'));
    audio.addEventListener('ended', this.onEnded);
    audio.addEventListener('play', this.onState);
    audio.addEventListener('pause', this.onState);
  }

  /** reset empties the playlist and stops the audio. */
  reset() {
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load();
    this.items = [];
    this.index = -1;
    this.complete = false;
    this.waiting = false;
    this.autoplay = true;
    this.onState();
  }

  /** destroy detaches the playlist from its element. */
  destroy() {
    this.reset();
    this.audio.removeEventListener('ended', this.onEnded);
    this.audio.removeEventListener('play', this.onState);
    this.audio.removeEventListener('pause', this.onState);
  }

  get duration() {
    return this.items.reduce((d, s) => d + s.duration, 0);
  }

  offset(i) {
    let t = 0;
    for (let k = 0; k < i && k < this.items.length; k++) t += this.items[k].duration;
    return t;
  }

  /** time is the position in the whole text. */
  get time() {
    if (this.index < 0) return 0;
    return this.offset(this.index) + (this.audio.currentTime || 0);
  }

  get playing() {
    return this.index >= 0 && !this.audio.paused && !this.audio.ended;
  }

  /** add appends a segment; the first starts playing, and a waiting
   * playlist goes on. */
  add(seg) {
    this.items.push(seg);
    if (this.waiting) {
      this.waiting = false;
      this.play(this.items.length - 1, 0);
    } else if (this.index < 0 && this.autoplay) {
      this.play(0, 0);
    }
    this.onState();
  }

  finish() {
    this.complete = true;
    this.onState();
  }

  play(i, at) {
    this.index = i;
    const seg = this.items[i];
    if (this.audio.getAttribute('src') !== seg.blobUrl) this.audio.src = seg.blobUrl;
    this.audio.currentTime = at || 0;
    this.audio.play().catch((e) => {
      // Autoplay refused (no recent user gesture): the Play button works.
      this.dispatchEvent(Object.assign(new Event('blocked'), { error: e }));
    });
    this.onState();
  }

  next() {
    if (this.index + 1 < this.items.length) {
      this.play(this.index + 1, 0);
    } else if (!this.complete) {
      this.waiting = true;
    } else {
      this.index = -1;
      this.dispatchEvent(new Event('finished'));
    }
    this.onState();
  }

  /** toggle plays or pauses; at the end it starts over. */
  toggle() {
    if (this.items.length === 0) return;
    if (this.playing) {
      this.audio.pause();
      this.autoplay = false;
    } else if (this.index < 0) {
      this.play(0, 0);
    } else {
      this.audio.play().catch(() => {});
    }
  }

  stop() {
    this.audio.pause();
    this.autoplay = false;
    this.waiting = false;
    this.onState();
  }

  /** seek moves to t seconds of the whole text. */
  seek(t) {
    if (this.items.length === 0) return;
    t = Math.max(0, Math.min(t, this.duration - 0.001));
    let i = 0;
    while (i < this.items.length - 1 && t >= this.offset(i + 1)) i++;
    const wasPlaying = this.playing || this.index < 0 || this.waiting;
    this.waiting = false;
    this.index = i;
    const seg = this.items[i];
    if (this.audio.getAttribute('src') !== seg.blobUrl) this.audio.src = seg.blobUrl;
    this.audio.currentTime = t - this.offset(i);
    if (wasPlaying) this.audio.play().catch(() => {});
    this.onState();
  }
}

/** Waveform draws the segments' peaks on a canvas, with a playhead. */
export class Waveform {
  constructor(canvas) {
    this.canvas = canvas;
    this.buffers = [];
    this.base = null;
    this.dirty = true;
    this.resize = new ResizeObserver(() => {
      this.dirty = true;
      this.draw(this.lastTime || 0);
    });
    this.resize.observe(canvas);
  }

  setBuffers(buffers) {
    this.buffers = buffers;
    this.dirty = true;
  }

  get duration() {
    return this.buffers.reduce((d, b) => d + b.duration, 0);
  }

  colors() {
    const cs = getComputedStyle(this.canvas);
    return {
      wave: cs.getPropertyValue('--wave').trim() || '#8aa4c8',
      played: cs.getPropertyValue('--wave-played').trim() || '#1f5fbf',
      head: cs.getPropertyValue('--wave-head').trim() || '#c0392b',
      bg: cs.getPropertyValue('--wave-bg').trim() || '#f4f6fa',
    };
  }

  // peaks renders the waveform once per size into an offscreen canvas.
  render(width, height, color) {
    const c = new OffscreenCanvas(width, height);
    const g = c.getContext('2d');
    const total = this.duration;
    if (total <= 0) return c;
    g.fillStyle = color;
    const mid = height / 2;
    // Scale to the loudest sample, so quiet voices show as clearly.
    let peak = 0;
    for (const b of this.buffers) {
      const data = b.getChannelData(0);
      for (let k = 0; k < data.length; k += 4) peak = Math.max(peak, Math.abs(data[k]));
    }
    const scale = (mid * 0.95) / Math.max(peak, 0.01);
    let x0 = 0;
    for (const b of this.buffers) {
      const data = b.getChannelData(0);
      const w = (b.duration / total) * width;
      const cols = Math.max(1, Math.round(x0 + w) - Math.round(x0));
      const per = data.length / cols;
      for (let col = 0; col < cols; col++) {
        let lo = 0;
        let hi = 0;
        const end = Math.min(data.length, Math.floor((col + 1) * per));
        for (let k = Math.floor(col * per); k < end; k++) {
          const v = data[k];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const top = mid - hi * scale;
        const h = Math.max(1, (hi - lo) * scale);
        g.fillRect(Math.round(x0) + col, top, 1, h);
      }
      x0 += w;
    }
    return c;
  }

  draw(time) {
    this.lastTime = time;
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.canvas.clientWidth || 300;
    const cssH = this.canvas.clientHeight || 96;
    const w = Math.round(cssW * dpr);
    const h = Math.round(cssH * dpr);
    const col = this.colors();
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.dirty = true;
    }
    if (this.dirty) {
      this.base = this.render(w, h, col.wave);
      this.played = this.render(w, h, col.played);
      this.dirty = false;
    }
    const g = this.canvas.getContext('2d');
    g.fillStyle = col.bg;
    g.fillRect(0, 0, w, h);
    g.drawImage(this.base, 0, 0);
    const total = this.duration;
    if (total > 0) {
      const x = Math.min(w, (time / total) * w);
      if (x > 0) g.drawImage(this.played, 0, 0, x, h, 0, 0, x, h);
      g.fillStyle = col.head;
      g.fillRect(Math.max(0, Math.round(x) - dpr), 0, Math.max(2, 2 * dpr), h);
    }
    this.canvas.dataset.duration = total.toFixed(3);
    this.canvas.dataset.time = time.toFixed(3);
  }
}

/**
 * Transcript shows the text read, word by word, from word timings
 * ([{text, begin_char, end_char, begin_ms, end_ms}], in code points of the
 * text and ms from the start of the audio), and marks the word at a time.
 */
export class Transcript {
  constructor(box) {
    this.box = box;
    this.words = [];
    this.spans = [];
    this.current = -1;
    this.onSeek = () => {};
  }

  /** showText shows text without timings yet. */
  showText(text) {
    this.words = [];
    this.spans = [];
    this.current = -1;
    this.box.replaceChildren(text);
    this.box.dataset.timed = 'false';
  }

  /** setWords lays the words over display, the text they index; the
   * text after the last word stays as it is, so the words of segments
   * still being read can follow. */
  setWords(display, words) {
    const chars = Array.from(display);
    const fits = words.every((w) => chars.slice(w.begin_char, w.end_char).join('') === w.text);
    this.box.replaceChildren();
    this.words = words;
    this.spans = [];
    this.current = -1;
    let at = 0;
    words.forEach((w, i) => {
      if (fits && w.begin_char > at) this.box.append(chars.slice(at, w.begin_char).join(''));
      else if (!fits && i > 0) this.box.append(' ');
      const span = document.createElement('span');
      span.className = 'word';
      span.dataset.index = String(i);
      span.textContent = w.text;
      span.title = formatTime(w.begin_ms / 1000);
      span.addEventListener('click', () => this.onSeek(w.begin_ms / 1000));
      this.box.append(span);
      this.spans.push(span);
      at = w.end_char;
    });
    if (fits && at < chars.length) this.box.append(chars.slice(at).join(''));
    this.box.dataset.timed = 'true';
  }

  /** mark highlights the word spoken at t seconds (none when stopped). */
  mark(t, active) {
    let i = -1;
    if (active && this.words.length) {
      const ms = t * 1000;
      let lo = 0;
      let hi = this.words.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.words[mid].begin_ms <= ms) {
          i = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (i >= 0 && ms >= this.words[i].end_ms && i === this.words.length - 1) i = -1;
    }
    if (i === this.current) return;
    if (this.current >= 0) this.spans[this.current].classList.remove('current');
    if (i >= 0) this.spans[i].classList.add('current');
    this.box.dataset.current = String(i);
    this.current = i;
  }
}
