// The console's entry point: sign-in and sign-out, the tabs, and the
// panels started once a session exists.

import { Client, checkSession, loadSession, saveSession, clearSession } from './api.js';
import { $, showError, showMessage, busy } from './ui.js';
import { VoicesPanel, loadCatalogue, fillVoiceSelect, meta, isPreset, prop } from './voices.js';
import { PreviewPanel } from './preview.js';
import { JobsPanel } from './jobs.js';
import { VocabPanel } from './vocab.js';

const TABS = ['voices', 'preview', 'jobs', 'vocab'];

class App {
  constructor() {
    this.api = null;
    this.catalogue = [];
    this.voices = new VoicesPanel(this);
    this.preview = new PreviewPanel(this);
    this.jobs = new JobsPanel(this);
    this.vocab = new VocabPanel(this);
    this.bindSignIn();
    this.bindTabs();
    $('sign-out').addEventListener('click', () => this.signOut());
    $('loading').hidden = true;
    const session = loadSession();
    if (session) this.enter(session);
    else this.showSignIn();
  }

  showSignIn() {
    $('signin').hidden = false;
    $('app').hidden = true;
    $('who').hidden = true;
    document.body.dataset.signedIn = 'false';
  }

  bindSignIn() {
    // A pasted `ttsc tokens create` answer fills both fields.
    $('token-value').addEventListener('input', () => {
      const v = $('token-value').value.trim();
      if (!v.startsWith('{')) return;
      try {
        const j = JSON.parse(v);
        if (j.token) $('token-value').value = j.token;
        if (j.project_id) $('token-project').value = j.project_id;
      } catch {
        // Not the whole answer yet.
      }
    });
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.signIn({ mode: 'token', project: $('token-project').value.trim(), token: $('token-value').value.trim() },
        $('token-submit'), ['token-value']);
    });
    $('aksk-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.signIn({
        mode: 'aksk', project: $('aksk-project').value.trim(), ak: $('aksk-ak').value.trim(), sk: $('aksk-sk').value.trim(),
      }, $('aksk-submit'), ['aksk-sk']);
    });
  }

  // signIn checks the credentials with one cheap request before keeping them.
  async signIn(session, button, secretFields) {
    const box = $('signin-error');
    const msg = checkSession(session);
    if (msg) {
      showMessage(box, msg);
      return;
    }
    const api = new Client(session);
    try {
      await busy(button, () => api.get('/digital-assets', { asset_type: 'VOICE_MODEL', limit: 1 }));
    } catch (e) {
      showError(box, e);
      return;
    }
    showError(box);
    for (const id of secretFields) $(id).value = '';
    saveSession(session);
    await this.enter(session, api);
  }

  signOut() {
    clearSession();
    this.api = null;
    // A fresh page holds nothing of the session: no keys in memory, no
    // audio, no lists.
    location.replace('/');
  }

  async enter(session, api) {
    this.api = api || new Client(session);
    $('signin').hidden = true;
    $('app').hidden = false;
    $('who').hidden = false;
    $('who-text').textContent = `Project ${session.project} · ` +
      (session.mode === 'token' ? 'signed in with a token' : `signed in with access key ${session.ak}`);
    document.body.dataset.signedIn = 'true';
    try {
      this.catalogue = await loadCatalogue(this.api);
    } catch (e) {
      showError($('voice-error'), e);
      this.catalogue = [];
    }
    for (const s of document.querySelectorAll('select.voice-select')) fillVoiceSelect(s, this.catalogue);
    // The sample texts are English: start with the first English voice.
    const english = this.catalogue.find((a) => meta(a).language === 'EN' && !isPreset(a) && prop(a, 'engine'));
    if (english) {
      $('preview-voice').value = english.asset_id;
      $('job-voice').value = english.asset_id;
    }
    await Promise.all([this.voices.start(this.catalogue), this.jobs.start(), this.vocab.start(this.catalogue)]);
    document.body.dataset.ready = 'true';
  }

  bindTabs() {
    for (const name of TABS) $('tab-' + name).addEventListener('click', () => this.select(name));
    document.querySelector('[role=tablist]').addEventListener('keydown', (ev) => {
      const i = TABS.findIndex((n) => $('tab-' + n) === document.activeElement);
      if (i < 0) return;
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      const name = TABS[(to + TABS.length) % TABS.length];
      this.select(name);
      $('tab-' + name).focus();
    });
  }

  /** select shows one panel. */
  select(name) {
    for (const n of TABS) {
      const on = n === name;
      const tab = $('tab-' + n);
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      $('panel-' + n).hidden = !on;
    }
    if (name === 'jobs' && this.api) this.jobs.load();
    if (name === 'preview') this.preview.update();
  }

  /** useVoice picks a voice for the preview and goes there. */
  useVoice(id) {
    $('preview-voice').value = id;
    this.select('preview');
    $('preview-text').focus();
  }
}

// Module scripts run after the document is parsed.
new App(); // eslint-disable-line no-new
