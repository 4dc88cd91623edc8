// Voices: the catalogue (ListAssets paged through once, for the pickers),
// and the gallery with its filters, a sample in each voice's language and
// a copy button for the asset ID.

import { $, el, showError, copyText } from './ui.js';
import { AuditionRun, Playlist } from './audio.js';

const PAGE = 12;

/** prop returns a system property of an asset (engine, engine_voice, locale). */
export function prop(asset, key) {
  const p = (asset.system_properties || []).find((x) => x.key === key);
  return p ? p.value : '';
}

/** meta returns an asset's voice model metadata. */
export function meta(asset) {
  return (asset.asset_extra_meta && asset.asset_extra_meta.voice_model_meta) || {};
}

/** isPreset reports whether the asset is one of MetaStudio's published IDs. */
export function isPreset(asset) {
  return (asset.tags || []).includes('preset');
}

/** loadCatalogue pages through every voice (100 at a time). */
export async function loadCatalogue(api) {
  const all = [];
  for (let offset = 0; ; offset += 100) {
    const r = await api.get('/digital-assets', { asset_type: 'VOICE_MODEL', limit: 100, offset });
    all.push(...(r.assets || []));
    if (!r.assets || r.assets.length === 0 || all.length >= r.count) break;
  }
  return all;
}

let languageNames = null;

/** languageLabel names a MetaStudio language value from the voices' locales. */
export function languageLabel(code, catalogue) {
  const v = catalogue.find((a) => meta(a).language === code && !isPreset(a));
  const locale = v ? prop(v, 'locale') : '';
  let name = '';
  try {
    languageNames ||= new Intl.DisplayNames(['en'], { type: 'language' });
    name = locale ? languageNames.of(locale.split('-')[0]) : '';
  } catch {
    name = '';
  }
  return name && name.toLowerCase() !== code.toLowerCase() ? `${name} (${code})` : code;
}

/** fillVoiceSelect lists the voices in a <select>, by language, presets last. */
export function fillVoiceSelect(select, catalogue, keep) {
  const previous = keep || select.value;
  select.replaceChildren();
  const groups = new Map();
  for (const a of catalogue) {
    const key = isPreset(a) ? 'MetaStudio preset IDs' : languageLabel(meta(a).language, catalogue);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  for (const [label, list] of groups) {
    const og = el('optgroup', { label });
    for (const a of list) og.append(el('option', { value: a.asset_id }, a.asset_name));
    select.append(og);
  }
  if (previous && catalogue.some((a) => a.asset_id === previous)) select.value = previous;
}

/** VoicesPanel is the gallery. */
export class VoicesPanel {
  constructor(app) {
    this.app = app;
    this.offset = 0;
    this.count = 0;
    this.samples = {};
    this.playing = null;
    this.playlist = new Playlist($('voice-audio'));
    this.playlist.addEventListener('finished', () => this.stopSample());
    for (const id of ['voice-language', 'voice-sex', 'voice-engine']) {
      $(id).addEventListener('change', () => {
        this.offset = 0;
        this.load();
      });
    }
    $('voice-prev').addEventListener('click', () => {
      this.offset = Math.max(0, this.offset - PAGE);
      this.load();
    });
    $('voice-next').addEventListener('click', () => {
      this.offset += PAGE;
      this.load();
    });
  }

  /** start fills the filters from the catalogue and shows the first page. */
  async start(catalogue) {
    this.catalogue = catalogue;
    const langs = [...new Set(catalogue.map((a) => meta(a).language))];
    const sexes = [...new Set(catalogue.map((a) => meta(a).sex))];
    const engines = [...new Set(catalogue.map((a) => prop(a, 'engine')).filter(Boolean))];
    const fill = (select, values, label = (v) => v) => {
      const first = select.options[0];
      select.replaceChildren(first, ...values.map((v) => el('option', { value: v }, label(v))));
    };
    fill($('voice-language'), langs, (c) => languageLabel(c, catalogue));
    fill($('voice-sex'), sexes, (s) => s.charAt(0) + s.slice(1).toLowerCase());
    fill($('voice-engine'), engines, (e) => ({ espeak: 'espeak-ng', flite: 'flite' })[e] || e);
    try {
      const resp = await fetch('/console/samples.json', { cache: 'no-cache' });
      if (resp.ok) this.samples = await resp.json();
    } catch {
      this.samples = {};
    }
    await this.load();
  }

  /** load asks the server for one page of the filtered voices. */
  async load() {
    const box = $('voice-error');
    const params = {
      asset_type: 'VOICE_MODEL',
      language: $('voice-language').value,
      sex: $('voice-sex').value,
      // The engine is the first tag of a voice; tag is a substring filter.
      tag: $('voice-engine').value,
      limit: PAGE,
      offset: this.offset,
    };
    const seq = (this.seq = (this.seq || 0) + 1);
    try {
      const r = await this.app.api.get('/digital-assets', params);
      if (seq !== this.seq) return;
      showError(box);
      this.count = r.count;
      this.render(r.assets || []);
    } catch (e) {
      if (seq === this.seq) showError(box, e);
    }
  }

  render(assets) {
    const grid = $('voice-grid');
    grid.replaceChildren(...assets.map((a) => this.card(a)));
    const from = this.count === 0 ? 0 : this.offset + 1;
    const to = this.offset + assets.length;
    $('voice-count').textContent = this.count === 0 ? 'No voice matches these filters.'
      : `Voices ${from}–${to} of ${this.count} ${this.count === 1 ? 'voice' : 'voices'}`;
    $('voice-count').dataset.count = String(this.count);
    $('voice-prev').disabled = this.offset === 0;
    $('voice-next').disabled = to >= this.count;
  }

  card(a) {
    const m = meta(a);
    const engine = prop(a, 'engine');
    const locale = prop(a, 'locale');
    const play = el('button', { type: 'button', class: 'play', 'aria-pressed': 'false', 'aria-label': `Play a sample of ${a.asset_name}` }, 'Play sample');
    const copy = el('button', { type: 'button', class: 'secondary copy', 'aria-label': `Copy the asset ID of ${a.asset_name}` }, 'Copy ID');
    const use = el('button', { type: 'button', class: 'secondary use' }, 'Use in preview');
    const state = el('span', { class: 'card-status', role: 'status' });
    play.addEventListener('click', () => this.toggleSample(a, play, state));
    copy.addEventListener('click', async () => {
      const ok = await copyText(a.asset_id);
      state.textContent = ok ? 'Asset ID copied.' : 'Copying is not allowed here: select the ID and copy it.';
    });
    use.addEventListener('click', () => this.app.useVoice(a.asset_id));
    return el('li', {
      class: 'voice-card card',
      dataset: { assetId: a.asset_id, language: m.language, sex: m.sex, engine },
    },
    el('h2', { class: 'voice-name' }, a.asset_name),
    el('p', { class: 'tags' },
      el('span', { class: 'tag' }, languageLabel(m.language, this.catalogue)),
      el('span', { class: 'tag' }, locale),
      el('span', { class: 'tag' }, m.sex === 'FEMALE' ? 'Female' : m.sex === 'MALE' ? 'Male' : m.sex),
      el('span', { class: 'tag' }, `${engine} · ${prop(a, 'engine_voice')}`),
      isPreset(a) ? el('span', { class: 'tag preset' }, 'MetaStudio preset') : null),
    el('p', { class: 'asset-id' }, 'ID ', el('code', {}, a.asset_id)),
    el('div', { class: 'actions' }, play, copy, use),
    state);
  }

  sampleText(a) {
    return this.samples[prop(a, 'locale')] || 'Hello, and welcome.';
  }

  stopSample() {
    if (!this.playing) return;
    this.playing.run.cancel();
    this.playing.button.textContent = 'Play sample';
    this.playing.button.setAttribute('aria-pressed', 'false');
    this.playing.card.dataset.state = 'stopped';
    this.playing = null;
    this.playlist.reset();
  }

  async toggleSample(a, button, state) {
    const same = this.playing && this.playing.asset === a.asset_id;
    this.stopSample();
    if (same) return;
    const card = button.closest('.voice-card');
    this.playlist.reset();
    const run = new AuditionRun(this.app.api, { text: this.sampleText(a), emotion: a.asset_id }, {
      onSegment: (seg) => this.playlist.add(seg),
    });
    this.playing = { asset: a.asset_id, run, button, card };
    button.textContent = 'Stop';
    button.setAttribute('aria-pressed', 'true');
    card.dataset.state = 'loading';
    state.textContent = 'Reading the sample…';
    const onPlay = () => {
      if (!this.playing || this.playing.run !== run) return;
      card.dataset.state = 'playing';
      state.textContent = 'Playing: “' + this.sampleText(a) + '”';
    };
    this.playlist.audio.addEventListener('playing', onPlay, { once: true });
    try {
      await run.start();
      await run.follow();
      this.playlist.finish();
    } catch (e) {
      this.playlist.audio.removeEventListener('playing', onPlay);
      if (e.name === 'AbortError') return;
      if (this.playing && this.playing.run === run) this.stopSample();
      state.textContent = '';
      showError($('voice-error'), e);
    }
  }
}
