// Pronunciations: dictionary entries (vocabulary-configs), groups
// (vocabulary-groups) bound to voices (group-assets), the tenant switch
// (tenant-configs), and an entry heard with and without the dictionary.

import { $, el, showError, showMessage, busy, confirmButton } from './ui.js';
import { checkEntry } from './validate.js';
import { AuditionRun, Playlist } from './audio.js';
import { fillVoiceSelect, languageLabel, meta, isPreset } from './voices.js';

const PAGE = 20;

const HINTS = {
  ALIAS: 'The text read instead of the key, e.g. WHO → World Health Organization.',
  CHINESE_G2P: 'Pinyin with a tone digit per character, e.g. 重庆 → chong2 qing4.',
  PHONETIC_SYMBOL: 'English IPA, e.g. tomato → təˈmɑːtəʊ (espeak-ng English voices only; the server checks the symbols).',
  SAY_AS: 'One of date, number, figure, telephone, spell, english.',
  CONTINUUM: 'May stay empty: the key is read without the pauses of its spaces and punctuation.',
};

export class VocabPanel {
  constructor(app) {
    this.app = app;
    this.offset = 0;
    this.count = 0;
    this.groups = [];
    this.editing = null;
    this.hearing = null;
    this.playlist = new Playlist($('hear-audio'));

    $('vocab-switch').addEventListener('change', () => this.saveSwitch());
    $('entry-type').addEventListener('change', () => this.typeChanged());
    for (const id of ['entry-type', 'entry-key', 'entry-value']) $(id).addEventListener('input', () => this.validate());
    $('entry-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.save();
    });
    $('entry-cancel').addEventListener('click', () => this.resetForm());
    let searchTimer = 0;
    $('entry-search').addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => {
        this.offset = 0;
        this.loadEntries();
      }, 250);
    });
    for (const id of ['entry-filter-type', 'entry-filter-group']) {
      $(id).addEventListener('change', () => {
        this.offset = 0;
        this.loadEntries();
      });
    }
    $('entry-prev').addEventListener('click', () => {
      this.offset = Math.max(0, this.offset - PAGE);
      this.loadEntries();
    });
    $('entry-next').addEventListener('click', () => {
      this.offset += PAGE;
      this.loadEntries();
    });
    $('group-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.createGroup();
    });
    $('hear-before').addEventListener('click', () => this.hear(false));
    $('hear-after').addEventListener('click', () => this.hear(true));
    $('hear-close').addEventListener('click', () => this.closeHear());
    $('bind-close').addEventListener('click', () => {
      $('bind').hidden = true;
    });
    $('bind-filter').addEventListener('change', () => this.renderBindList());
    $('bind-save').addEventListener('click', () => this.saveBinding());
    this.typeChanged();
  }

  async start(catalogue) {
    this.catalogue = catalogue;
    const langs = [...new Set(catalogue.map((a) => meta(a).language))];
    const first = $('bind-filter').options[0];
    $('bind-filter').replaceChildren(first, ...langs.map((l) => el('option', { value: l }, languageLabel(l, catalogue))));
    await Promise.all([this.loadSwitch(), this.loadGroups()]);
    await this.loadEntries();
  }

  // The tenant switch.

  async loadSwitch() {
    try {
      const r = await this.app.api.get('/ttsc/tenant-configs', { key: 'vocabulary' });
      const c = (r.data || []).find((x) => x.key === 'vocabulary');
      $('vocab-switch').checked = Boolean(c && c.value === 'true');
    } catch (e) {
      showError($('vocab-error'), e);
    }
  }

  async saveSwitch() {
    const box = $('vocab-switch');
    const on = box.checked;
    box.disabled = true;
    try {
      await this.app.api.put('/ttsc/tenant-configs', { key: 'vocabulary', value: String(on) });
      $('vocab-switch-status').textContent = on ? 'Saved: the dictionary applies to every request.'
        : 'Saved: the dictionary applies only to requests that ask for it.';
      showError($('vocab-error'));
    } catch (e) {
      box.checked = !on;
      showError($('vocab-error'), e);
    } finally {
      box.disabled = false;
    }
  }

  // Entries.

  typeChanged() {
    const type = $('entry-type').value;
    $('entry-value-hint').textContent = HINTS[type] || '';
    if (type === 'SAY_AS') $('entry-value').setAttribute('list', 'say-as-values');
    else $('entry-value').removeAttribute('list');
    this.validate();
  }

  validate() {
    const key = $('entry-key').value;
    const value = $('entry-value').value;
    const msg = key === '' && value === '' ? '' : checkEntry($('entry-type').value, key, value);
    $('entry-validation').textContent = msg;
    return msg;
  }

  resetForm() {
    this.editing = null;
    $('entry-form').reset();
    $('entry-form-title').textContent = 'Add an entry';
    $('entry-submit').textContent = 'Add the entry';
    $('entry-cancel').hidden = true;
    this.typeChanged();
  }

  edit(v) {
    this.editing = v.id;
    $('entry-type').value = v.type;
    $('entry-key').value = v.key;
    $('entry-value').value = v.value;
    $('entry-group').value = v.group_id || '';
    $('entry-form-title').textContent = `Edit the entry “${v.key}”`;
    $('entry-submit').textContent = 'Save the changes';
    $('entry-cancel').hidden = false;
    this.typeChanged();
    $('entry-key').focus();
  }

  async save() {
    const type = $('entry-type').value;
    const key = $('entry-key').value;
    const value = $('entry-value').value;
    const msg = checkEntry(type, key, value);
    if (msg) {
      $('entry-validation').textContent = msg;
      showMessage($('vocab-error'), 'Check the entry: ' + msg);
      $('entry-key').focus();
      return;
    }
    const body = { type, key, value };
    const group = $('entry-group').value;
    if (group) body.group_id = group;
    try {
      await busy($('entry-submit'), () => (this.editing
        ? this.app.api.put(`/ttsc/vocabulary-configs/${this.editing}`, body)
        : this.app.api.post('/ttsc/vocabulary-configs', body)));
      showError($('vocab-error'));
      this.resetForm();
      await this.loadEntries();
    } catch (e) {
      showError($('vocab-error'), e);
    }
  }

  async loadEntries() {
    const seq = (this.seq = (this.seq || 0) + 1);
    try {
      const r = await this.app.api.get('/ttsc/vocabulary-configs', {
        limit: PAGE, offset: this.offset, search_key: $('entry-search').value.trim(),
        type: $('entry-filter-type').value, group_id: $('entry-filter-group').value,
      });
      if (seq !== this.seq) return;
      this.count = r.count;
      this.renderEntries(r.data || []);
    } catch (e) {
      if (seq === this.seq) showError($('vocab-error'), e);
    }
  }

  groupName(id) {
    const g = this.groups.find((x) => x.group_id === id);
    return g ? g.group_name : id;
  }

  renderEntries(rows) {
    const body = $('entry-list');
    body.replaceChildren(...rows.map((v) => {
      const edit = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit ${v.key}`, onclick: () => this.edit(v) }, 'Edit');
      const del = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Delete ${v.key}` }, 'Delete');
      confirmButton(del, 'Delete? Click again', async () => {
        try {
          await this.app.api.delete('/ttsc/vocabulary-configs', { id: [v.id] });
          showError($('vocab-error'));
          if (this.editing === v.id) this.resetForm();
          await this.loadEntries();
        } catch (e) {
          showError($('vocab-error'), e);
        }
      });
      const hear = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Hear ${v.key} before and after`, onclick: () => this.openHear(v) }, 'Hear before/after');
      return el('tr', { dataset: { entryId: v.id, key: v.key } },
        el('td', { 'data-label': 'Key' }, v.key),
        el('td', { 'data-label': 'Value' }, v.value),
        el('td', { 'data-label': 'Type' }, v.type),
        el('td', { 'data-label': 'Group' }, v.group_id ? this.groupName(v.group_id) : el('span', { class: 'muted' }, 'every voice')),
        el('td', { 'data-label': 'Actions', class: 'row-actions' }, edit, del, hear));
    }));
    if (rows.length === 0) body.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No entries.')));
    const to = this.offset + rows.length;
    $('entry-count').textContent = this.count ? `${this.offset + 1}–${to} of ${this.count}` : '';
    $('entry-prev').disabled = this.offset === 0;
    $('entry-next').disabled = to >= this.count;
  }

  // Hearing an entry before and after.

  openHear(v) {
    this.closeHear();
    $('hear').hidden = false;
    $('hear').dataset.entryId = v.id;
    $('hear-title').textContent = `Hear “${v.key}” before and after`;
    $('hear-text').value = v.key;
    const select = $('hear-voice');
    fillVoiceSelect(select, this.catalogue);
    const g = v.group_id && this.groups.find((x) => x.group_id === v.group_id);
    const preferred = g && g.asset_ids.length ? g.asset_ids[0] : $('preview-voice').value;
    if (preferred) select.value = preferred;
    $('hear-status').textContent = g && !g.asset_ids.length
      ? 'This entry is in a group bound to no voice yet: it applies to no voice until you bind one.' : '';
    $('hear-title').focus();
  }

  closeHear() {
    if (this.hearing) this.hearing.cancel();
    this.hearing = null;
    this.playlist.reset();
    $('hear').hidden = true;
  }

  async hear(applied) {
    if (this.hearing) this.hearing.cancel();
    this.playlist.reset();
    const text = $('hear-text').value;
    const label = applied ? 'after (dictionary on)' : 'before (dictionary off)';
    const status = $('hear-status');
    const run = new AuditionRun(this.app.api, {
      text, emotion: $('hear-voice').value, is_vocabulary_config_enable: applied,
    }, { onSegment: (seg) => this.playlist.add(seg) });
    this.hearing = run;
    $('hear').dataset.playing = applied ? 'after' : 'before';
    status.textContent = `Reading ${label}…`;
    try {
      await run.start();
      await run.follow();
      this.playlist.finish();
      if (this.hearing === run) status.textContent = `Playing ${label}.`;
    } catch (e) {
      if (e.name === 'AbortError' || this.hearing !== run) return;
      status.textContent = '';
      showError($('vocab-error'), e);
    }
  }

  // Groups.

  async loadGroups() {
    try {
      const all = [];
      for (let offset = 0; ; offset += 100) {
        const r = await this.app.api.get('/ttsc/vocabulary-groups', { limit: 100, offset });
        all.push(...(r.data || []));
        if (!r.data || r.data.length === 0 || all.length >= r.count) break;
      }
      this.groups = all;
      showError($('group-error'));
    } catch (e) {
      showError($('group-error'), e);
    }
    this.renderGroups();
  }

  renderGroups() {
    for (const select of [$('entry-group'), $('entry-filter-group')]) {
      const keep = select.value;
      select.replaceChildren(select.options[0], ...this.groups.map((g) => el('option', { value: g.group_id }, g.group_name)));
      if (this.groups.some((g) => g.group_id === keep)) select.value = keep;
    }
    const body = $('group-list');
    body.replaceChildren(...this.groups.map((g) => this.groupRow(g)));
    if (this.groups.length === 0) body.append(el('tr', {}, el('td', { colspan: 3, class: 'muted' }, 'No groups.')));
  }

  groupRow(g) {
    const nameCell = el('td', { 'data-label': 'Name' }, g.group_name);
    const rename = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Rename ${g.group_name}` }, 'Rename');
    rename.addEventListener('click', () => {
      const input = el('input', { value: g.group_name, 'aria-label': `New name of ${g.group_name}`, maxlength: 64 });
      const save = el('button', { type: 'button', class: 'small' }, 'Save');
      const cancel = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
      nameCell.replaceChildren(el('div', { class: 'inline-edit' }, input, save, cancel));
      input.focus();
      cancel.addEventListener('click', () => this.renderGroups());
      const submit = async () => {
        try {
          await busy(save, () => this.app.api.put(`/ttsc/vocabulary-groups/${g.group_id}`, { group_name: input.value }));
          await this.loadGroups();
          await this.loadEntries();
        } catch (e) {
          showError($('group-error'), e);
        }
      };
      save.addEventListener('click', submit);
      input.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') submit();
        if (ev.key === 'Escape') this.renderGroups();
      });
    });
    const voices = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Choose the voices of ${g.group_name}`, onclick: () => this.openBinding(g) }, 'Voices…');
    const del = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Delete ${g.group_name} and its entries` }, 'Delete');
    confirmButton(del, 'Delete with its entries?', async () => {
      try {
        await this.app.api.delete(`/ttsc/vocabulary-groups/${g.group_id}`);
        $('bind').hidden = true;
        await this.loadGroups();
        await this.loadEntries();
      } catch (e) {
        showError($('group-error'), e);
      }
    });
    const names = g.asset_ids.map((id) => {
      const v = this.catalogue.find((a) => a.asset_id === id);
      return v ? v.asset_name : id;
    });
    return el('tr', { dataset: { groupId: g.group_id } },
      nameCell,
      el('td', { 'data-label': 'Voices' }, names.length ? names.join(', ') : el('span', { class: 'muted' }, 'none: its entries apply to no voice')),
      el('td', { 'data-label': 'Actions', class: 'row-actions' }, rename, voices, del));
  }

  async createGroup() {
    const name = $('group-name').value.trim();
    if (!name) {
      showMessage($('group-error'), 'Give the group a name (1 to 64 characters).');
      $('group-name').focus();
      return;
    }
    try {
      await busy($('group-submit'), () => this.app.api.post('/ttsc/vocabulary-groups', { group_name: name }));
      $('group-name').value = '';
      await this.loadGroups();
    } catch (e) {
      showError($('group-error'), e);
    }
  }

  openBinding(g) {
    this.binding = { group: g, chosen: new Set(g.asset_ids) };
    $('bind').hidden = false;
    $('bind-title').textContent = `Voices of the group “${g.group_name}”`;
    $('bind-status').textContent = '';
    this.renderBindList();
    $('bind-title').focus();
  }

  renderBindList() {
    if (!this.binding) return;
    const lang = $('bind-filter').value;
    const chosen = this.binding.chosen;
    const list = this.catalogue.filter((a) => (!lang || meta(a).language === lang) && (!isPreset(a) || chosen.has(a.asset_id) || lang));
    $('bind-list').replaceChildren(...list.map((a) => {
      const box = el('input', { type: 'checkbox', value: a.asset_id });
      box.checked = chosen.has(a.asset_id);
      box.addEventListener('change', () => (box.checked ? chosen.add(a.asset_id) : chosen.delete(a.asset_id)));
      return el('label', { class: 'check' }, box, el('span', {}, a.asset_name));
    }));
  }

  async saveBinding() {
    const { group, chosen } = this.binding;
    try {
      await busy($('bind-save'), () => this.app.api.put(`/ttsc/group-assets/${group.group_id}`, { asset_ids: [...chosen] }));
      $('bind-status').textContent = `Saved: ${chosen.size} ${chosen.size === 1 ? 'voice' : 'voices'}.`;
      await this.loadGroups();
    } catch (e) {
      showError($('group-error'), e);
    }
  }
}
