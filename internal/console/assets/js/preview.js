// Preview: the text/SSML editor, the voice settings, and the player. A
// preview is a CreateTtsAudition whose WAV segments play as they arrive.
// ttsc sends each file's word timings with it (files[].words, a ttsc
// extension), which the transcript highlights as the audio plays
// (docs/console.md).

import { $, el, showError, showMessage, busy, download, formatTime } from './ui.js';
import { AuditionRun, Playlist, Waveform, Transcript, joinWAV } from './audio.js';
import { bindTextField, vocabularyChoice, waitJob } from './common.js';

const SLIDERS = [['preview-speed', 100], ['preview-pitch', 100], ['preview-volume', 140]];

export class PreviewPanel {
  constructor(app) {
    this.app = app;
    this.run = null;
    this.words = [];
    this.check = bindTextField($('preview-text'), $('preview-count'), $('preview-validation'));
    for (const [id] of SLIDERS) {
      const input = $(id);
      const show = () => {
        $(id + '-out').textContent = input.value;
      };
      input.addEventListener('input', show);
      show();
    }
    $('preview-reset').addEventListener('click', () => {
      for (const [id, v] of SLIDERS) {
        $(id).value = String(v);
        $(id + '-out').textContent = String(v);
      }
    });
    $('preview-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.start();
    });
    $('preview-stop').addEventListener('click', () => this.stop('Stopped.'));

    this.playlist = new Playlist($('player-audio'));
    this.wave = new Waveform($('waveform'));
    this.transcript = new Transcript($('transcript'));
    this.transcript.onSeek = (t) => this.playlist.seek(t);
    this.playlist.addEventListener('state', () => this.update());
    this.playlist.addEventListener('blocked', () => {
      this.status('The browser did not let the audio start by itself: press Play.');
    });
    $('player-toggle').addEventListener('click', () => this.playlist.toggle());
    const box = $('waveform-box');
    box.addEventListener('click', (ev) => {
      const r = box.getBoundingClientRect();
      this.playlist.seek(((ev.clientX - r.left) / r.width) * this.playlist.duration);
    });
    box.addEventListener('keydown', (ev) => {
      const step = ev.shiftKey ? 5 : 1;
      const moves = {
        ArrowLeft: () => this.playlist.seek(this.playlist.time - step),
        ArrowDown: () => this.playlist.seek(this.playlist.time - step),
        ArrowRight: () => this.playlist.seek(this.playlist.time + step),
        ArrowUp: () => this.playlist.seek(this.playlist.time + step),
        Home: () => this.playlist.seek(0),
        End: () => this.playlist.seek(this.playlist.duration),
        ' ': () => this.playlist.toggle(),
        Enter: () => this.playlist.toggle(),
      };
      if (moves[ev.key]) {
        ev.preventDefault();
        moves[ev.key]();
      }
    });
    this.frame = 0;
  }

  status(text) {
    $('preview-status').textContent = text;
  }

  // settings are the fields a preview and the MP3 job of its text share.
  settings() {
    return {
      text: $('preview-text').value,
      speed: Number($('preview-speed').value),
      pitch: Number($('preview-pitch').value),
      volume: Number($('preview-volume').value),
      is_vocabulary_config_enable: vocabularyChoice($('preview-vocab').value),
    };
  }

  /** stop ends the preview being read and its playback. */
  stop(message) {
    if (this.run) this.run.cancel();
    this.run = null;
    this.playlist.stop();
    if (message) this.status(message);
  }

  async start() {
    const err = $('preview-error');
    showError(err);
    const checked = this.check();
    if (!checked.ok) {
      this.status('');
      $('preview-text').focus();
      return;
    }
    this.stop();
    const voice = $('preview-voice').value;
    const settings = this.settings();
    const run = new AuditionRun(this.app.api, { ...settings, emotion: voice }, {
      onSegment: (seg) => {
        if (this.run !== run) return;
        this.playlist.add(seg);
        this.wave.setBuffers(run.segments.map((s) => s.buffer));
        this.addWords(run, seg, checked.display);
        this.renderDownloads(run);
        $('player').dataset.segments = String(run.segments.length);
        this.status(`Playing while reading: ${run.segments.length} ${run.segments.length === 1 ? 'segment' : 'segments'} so far…`);
        this.update();
      },
    });
    this.run = run;
    this.words = [];
    this.playlist.reset();
    this.wave.setBuffers([]);
    $('preview-downloads').replaceChildren();
    $('player').dataset.segments = '0';
    $('player').dataset.state = 'reading';
    this.transcript.showText(checked.display);
    this.status('Sending the text…');
    try {
      await busy($('preview-submit'), () => run.start());
    } catch (e) {
      if (this.run === run) {
        this.run = null;
        this.status('');
        $('player').dataset.state = 'refused';
        showError(err, e);
      }
      return;
    }
    $('player').hidden = false;
    this.status('Reading… the first segment plays as soon as it is ready.');
    try {
      await run.follow();
      if (this.run !== run) return;
      this.playlist.finish();
      $('player').dataset.state = 'done';
      const n = run.segments.length;
      let said = `Read in ${n} ${n === 1 ? 'segment' : 'segments'}, ${formatTime(this.playlist.duration)} long.`;
      if (this.words.length === 0) {
        $('transcript').dataset.timed = 'none';
        said += ' The server sent no word timings, so no word is highlighted.';
      }
      this.status(said);
      this.renderDownloads(run);
      this.update();
    } catch (e) {
      if (e.name === 'AbortError' || this.run !== run) return;
      this.playlist.finish();
      $('player').dataset.state = 'failed';
      this.status('');
      showError(err, e);
    }
  }

  // addWords lays the word timings of a segment that arrived over the
  // transcript. Its times count from the start of its file: the segments
  // before it, as the playlist plays them, come first.
  addWords(run, seg, display) {
    if (seg.words.length === 0) return;
    const offsetMs = run.segments.slice(0, seg.index).reduce((t, s) => t + s.duration, 0) * 1000;
    for (const w of seg.words) {
      this.words.push({ ...w, begin_ms: w.begin_ms + offsetMs, end_ms: w.end_ms + offsetMs });
    }
    this.transcript.setWords(display, this.words);
  }

  renderDownloads(run) {
    const box = $('preview-downloads');
    const id = run.jobId.slice(0, 8);
    const segButtons = run.segments.map((s) => el('button', {
      type: 'button', class: 'secondary small',
      onclick: async (ev) => {
        try {
          const urls = await busy(ev.currentTarget, () => run.files());
          download(urls[s.index], `ttsc-preview-${id}-${s.index + 1}.wav`);
        } catch (e) {
          showError($('preview-error'), e);
        }
      },
    }, `Segment ${s.index + 1} (WAV)`));
    // The segments end to end, joined here: the same audio an async job
    // of the text would make, without reading it again.
    const whole = el('button', {
      type: 'button', class: 'secondary small', disabled: !run.complete,
      onclick: () => {
        const blob = joinWAV(run.segments);
        if (!blob) {
          showMessage($('preview-error'), 'The segments cannot be joined: they are not WAV files of one format.');
          return;
        }
        const url = URL.createObjectURL(blob);
        download(url, `ttsc-preview-${id}.wav`);
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      },
    }, 'Whole text (WAV)');
    const mp3 = el('button', {
      type: 'button', class: 'secondary small',
      onclick: (ev) => this.mp3(ev.currentTarget, run),
    }, 'Whole text (MP3)');
    box.replaceChildren(el('h2', { class: 'small-title' }, 'Download'), el('div', { class: 'actions' }, ...segButtons, whole, mp3));
  }

  // mp3 makes the preview's text into an MP3 with an async job.
  async mp3(button, run) {
    const voice = run.body.emotion;
    const { emotion, ...settings } = run.body; // eslint-disable-line no-unused-vars
    try {
      await busy(button, async () => {
        this.status('Making the MP3 with an async job…');
        const created = await this.app.api.post('/ttsc/async-jobs', { ...settings, voice_asset_id: voice, audio_format: 'MP3', priority: 0 });
        const job = await waitJob(this.app.api, created.job_id);
        download(job.audio_file_url, `ttsc-preview-${run.jobId.slice(0, 8)}.mp3`);
        this.status('The MP3 is downloading.');
      });
    } catch (e) {
      showError($('preview-error'), e);
    }
  }

  // update redraws the controls, and keeps redrawing while audio plays.
  update() {
    const p = this.playlist;
    const t = p.time;
    const total = p.duration;
    const toggle = $('player-toggle');
    toggle.textContent = p.playing ? 'Pause' : 'Play';
    toggle.setAttribute('aria-label', p.playing ? 'Pause' : 'Play');
    toggle.disabled = p.items.length === 0;
    $('player-time').textContent = `${formatTime(t)} / ${formatTime(total)}`;
    const box = $('waveform-box');
    box.setAttribute('aria-valuemax', total.toFixed(1));
    box.setAttribute('aria-valuenow', t.toFixed(1));
    box.setAttribute('aria-valuetext', `${formatTime(t)} of ${formatTime(total)}`);
    this.wave.draw(t);
    this.transcript.mark(t, p.index >= 0);
    if (p.playing && !this.frame) {
      const tick = () => {
        this.frame = 0;
        this.update();
      };
      this.frame = requestAnimationFrame(tick);
    }
  }
}
