// Jobs: the async job form (CreateAsyncTtsJob with its timing and subtitle
// options), the job followed to its end, and the history (ShowTtsJob)
// whose file links fetch freshly signed URLs when clicked.

import { $, el, showError, showMessage, busy, download, formatDate } from './ui.js';
import { bindTextField, checkRange, vocabularyChoice, waitJob } from './common.js';

const PAGE = 10;

export class JobsPanel {
  constructor(app) {
    this.app = app;
    this.offset = 0;
    this.count = 0;
    this.check = bindTextField($('job-text'), $('job-count'), $('job-validation'));
    $('job-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.create();
    });
    $('history-type').addEventListener('change', () => {
      this.offset = 0;
      this.load();
    });
    $('history-refresh').addEventListener('click', () => this.load());
    $('history-prev').addEventListener('click', () => {
      this.offset = Math.max(0, this.offset - PAGE);
      this.load();
    });
    $('history-next').addEventListener('click', () => {
      this.offset += PAGE;
      this.load();
    });
  }

  async start() {
    await this.load();
  }

  // body builds the request from the form, or returns a message saying
  // what is wrong with it.
  body() {
    const r = this.check();
    if (!r.ok) return { message: r.message };
    const ints = [
      ['speed', 'job-speed', 50, 200], ['pitch', 'job-pitch', 50, 200], ['volume', 'job-volume', 90, 240],
      ['priority', 'job-priority', 0, 10],
    ];
    if ($('job-srt').checked) ints.push(['srt_len', 'job-srt-len', 0, 10000], ['srt_line_limit', 'job-srt-lines', 0, 5000]);
    if ($('job-silence').checked) ints.push(['silence_time_ms', 'job-silence-ms', 0, 5000]);
    const body = {
      text: $('job-text').value,
      voice_asset_id: $('job-voice').value,
      audio_format: $('job-format').value,
      need_timestamp: $('job-timestamp').checked,
      gen_srt: $('job-srt').checked,
      channels: Number($('job-channels').value),
      is_vocabulary_config_enable: vocabularyChoice($('job-vocab').value),
    };
    for (const [field, id, min, max] of ints) {
      const raw = $(id).value.trim();
      const msg = checkRange(field, raw, min, max);
      if (msg) return { message: msg, field: id };
      if (raw !== '') body[field] = Number(raw);
    }
    if ($('job-silence').checked) body.silence_flag = true;
    const callback = $('job-callback').value.trim();
    if (callback) body.callback_config = { callback_url: callback };
    return { body };
  }

  async create() {
    const err = $('job-error');
    showError(err);
    const { body, message, field } = this.body();
    if (!body) {
      showMessage(err, 'Check the form: ' + message);
      $(field || 'job-text').focus();
      return;
    }
    const status = $('job-status');
    let jobId;
    try {
      const created = await busy($('job-submit'), () => this.app.api.post('/ttsc/async-jobs', body));
      jobId = created.job_id;
    } catch (e) {
      showError(err, e);
      return;
    }
    const line = el('p', { class: 'job-line', dataset: { jobId, state: 'WAITING' } });
    status.replaceChildren(line);
    const show = (state, extra = []) => {
      line.dataset.state = state;
      line.replaceChildren('Job ', el('code', {}, jobId), ': ', el('strong', { class: 'state' }, state), ...extra);
    };
    show('WAITING');
    this.load();
    try {
      const job = await waitJob(this.app.api, jobId, { onState: (r) => show(r.state) });
      show(job.state, [' ', ...this.asyncFileButtons(jobId, body.audio_format, body.need_timestamp, body.gen_srt)]);
    } catch (e) {
      if (e.name === 'JobFailed') show('FAILED', [': ', e.message]);
      showError(err, e);
    }
    this.load();
  }

  // asyncFileButtons offers the files of an async job; each click asks
  // ShowAsyncTtsJob again for freshly signed URLs.
  asyncFileButtons(jobId, format, timestamps, srt) {
    const ext = (format || 'WAV').toLowerCase();
    const file = (label, field, name) => el('button', {
      type: 'button', class: 'secondary small file', dataset: { file: field },
      onclick: async (ev) => {
        try {
          const job = await busy(ev.currentTarget, () => this.app.api.get(`/ttsc/async-jobs/${jobId}`));
          if (!job[field]) throw Object.assign(new Error('the job has no such file (yet)'), { name: 'JobFailed' });
          download(job[field], name);
        } catch (e) {
          showError($('history-error'), e);
        }
      },
    }, label);
    const out = [file(`Audio (${ext.toUpperCase()})`, 'audio_file_url', `ttsc-${jobId}.${ext}`)];
    if (timestamps) out.push(file('Word timings (JSON)', 'audio_info_file_url', `ttsc-${jobId}-timings.json`));
    if (srt) out.push(file('Subtitles (SRT)', 'audio_srt_file_url', `ttsc-${jobId}.srt`));
    return out;
  }

  // previewFileButtons offers the segments of a preview, fetched fresh.
  previewFileButtons(d) {
    return d.files.map((_, i) => el('button', {
      type: 'button', class: 'secondary small file', dataset: { file: 'segment' },
      onclick: async (ev) => {
        try {
          const r = await busy(ev.currentTarget, () => this.app.api.get(`/ttsc/audition-file/${d.job_id}`));
          download(r.files[i].download_url, `ttsc-${d.job_id}-${i + 1}.wav`);
        } catch (e) {
          showError($('history-error'), e);
        }
      },
    }, `Segment ${i + 1}`));
  }

  async load() {
    const seq = (this.seq = (this.seq || 0) + 1);
    try {
      const r = await this.app.api.get('/ttsc/tts-jobs', { limit: PAGE, offset: this.offset, job_type: $('history-type').value });
      if (seq !== this.seq) return;
      showError($('history-error'));
      this.count = r.count;
      this.render(r.data || []);
    } catch (e) {
      if (seq === this.seq) showError($('history-error'), e);
    }
  }

  voiceName(id) {
    const v = (this.app.catalogue || []).find((a) => a.asset_id === id);
    return v ? v.asset_name : id;
  }

  render(rows) {
    const types = { ASYNC_JOB: 'Async job', AUDITION: 'Preview', WEBSOCKET: 'Stream' };
    const body = $('history-body');
    body.replaceChildren(...rows.map((d) => {
      let files;
      if (d.job_state === 'FAILED') {
        files = [el('span', { class: 'fail' }, d.fail_msg || 'failed')];
        if (d.job_type === 'ASYNC_JOB' && d.files.length) files.push(' ', ...this.asyncFileButtons(d.job_id, d.audio_format, false, false));
      } else if (d.job_type === 'ASYNC_JOB' && d.job_state === 'SUCCEED') {
        files = this.asyncFileButtons(d.job_id, d.audio_format, d.need_timestamp, d.gen_srt);
      } else if (d.job_type === 'AUDITION' && d.files.length) {
        files = this.previewFileButtons(d);
      } else if (d.job_type === 'WEBSOCKET') {
        files = [el('span', { class: 'muted' }, 'streamed, not stored')];
      } else {
        files = [el('span', { class: 'muted' }, 'not ready')];
      }
      return el('tr', { dataset: { jobId: d.job_id, state: d.job_state, type: d.job_type } },
        el('td', { 'data-label': 'Created' }, el('time', { datetime: d.create_time }, formatDate(d.create_time))),
        el('td', { 'data-label': 'Type' }, types[d.job_type] || d.job_type),
        el('td', { 'data-label': 'State' }, el('span', { class: `state state-${d.job_state.toLowerCase()}` }, d.job_state)),
        el('td', { 'data-label': 'Voice' }, this.voiceName(d.asset_id)),
        el('td', { 'data-label': 'Characters' }, String(d.text_length)),
        el('td', { 'data-label': 'Format' }, d.audio_format),
        el('td', { 'data-label': 'Files', class: 'files' }, ...files));
    }));
    if (rows.length === 0) body.append(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No jobs yet.')));
    const to = this.offset + rows.length;
    $('history-count').textContent = this.count ? `${this.offset + 1}–${to} of ${this.count}` : '';
    $('history-prev').disabled = this.offset === 0;
    $('history-next').disabled = to >= this.count;
  }
}
