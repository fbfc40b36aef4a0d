// Canned answers: "/shortcut" in the reply box or the picker; supervisors keep them.
import { canWrite } from './dialogs.js';
import { loadDirectory } from './forward.js';
import { MAX_TEXT, app, dialogs, el, hasRole } from './state.js';
import { api, button, div, loadJson, option, problemText, showNotice } from './ui.js';

// Agents insert a line's app.conn.ready answer by typing "/" and its shortcut in the reply box (Enter or Tab takes the
// highlighted one, the arrows move, Escape closes) or from the "Шаблоны" picker. Supervisors keep them.
export let cannedItems = [], cannedMatches = [], cannedActive = 0, cannedToken = null, cannedShownFor = null;
export let cannedEditing = null;   // the answer being edited, or {} for a new one; null while the form is closed

export function setupCanned() {
  loadCanned();
  el.cannedPanel.hidden = !(hasRole('SUPERVISOR') || hasRole('ADMIN'));
}

export function resetCanned() {
  cannedItems = [];
  hideCanned();
  closeCannedForm();
  el.cannedPanel.hidden = true;
}

export async function loadCanned() {
  const r = await loadJson('/api/canned', el.cannedError, 'Не удалось загрузить шаблоны');
  if (!app.loggedIn) return;
  if (r.ok) cannedItems = r.body;
  renderCannedAdmin();
}

// The answers of the selected dialog's line.
export function cannedForSelected() {
  const d = dialogs.get(app.selectedId), line = d && d.summary.line;
  return cannedItems.filter(a => !line || a.line === line);
}

export function hideCanned() {
  el.cannedSuggestions.hidden = true;
  el.cannedSuggestions.textContent = '';
  el.cannedButton.setAttribute('aria-expanded', 'false');
  el.reply.removeAttribute('aria-activedescendant');
  cannedMatches = [];
  cannedToken = null;
  cannedShownFor = null;
}

export function showCanned(matches, token) {
  cannedMatches = matches;
  cannedToken = token;
  cannedActive = 0;
  cannedShownFor = app.selectedId;
  el.cannedSuggestions.textContent = '';
  if (!matches.length) {
    const li = document.createElement('li');
    li.className = 'muted empty-item';
    li.textContent = 'Для этой линии шаблонов нет.';
    el.cannedSuggestions.append(li);
  }
  matches.forEach((a, i) => {
    const li = document.createElement('li');
    li.id = 'canned-option-' + i;
    li.setAttribute('role', 'option');
    li.dataset.shortcut = a.shortcut;
    const shortcut = document.createElement('span');
    shortcut.className = 'shortcut';
    shortcut.textContent = a.shortcut;
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = a.title;
    const preview = document.createElement('span');
    preview.className = 'preview';
    preview.textContent = a.text;
    li.append(shortcut, title, preview);
    // mousedown keeps the focus in the reply box
    li.addEventListener('mousedown', e => { e.preventDefault(); insertCanned(a); });
    el.cannedSuggestions.append(li);
  });
  el.cannedSuggestions.hidden = false;
  el.cannedButton.setAttribute('aria-expanded', 'true');
  markCannedActive();
}

export function markCannedActive() {
  [...el.cannedSuggestions.querySelectorAll('[role=option]')].forEach((li, i) => {
    li.setAttribute('aria-selected', i === cannedActive ? 'true' : 'false');
    if (i === cannedActive) li.scrollIntoView({ block: 'nearest' });
  });
  if (cannedMatches.length) el.reply.setAttribute('aria-activedescendant', 'canned-option-' + cannedActive);
  else el.reply.removeAttribute('aria-activedescendant');
}

// After each keystroke: a "/word" just before the cursor lists the answers whose shortcut starts with it.
export function suggestCanned() {
  const d = dialogs.get(app.selectedId);
  if (!canWrite(d)) return hideCanned();
  const at = el.reply.selectionStart, before = el.reply.value.slice(0, at);
  const m = /(^|\s)(\/[^\s/]*)$/.exec(before);
  if (!m) { if (cannedToken) hideCanned(); return; }
  const typed = m[2].toLowerCase();
  const matches = cannedForSelected().filter(a => a.shortcut.startsWith(typed));
  if (!matches.length) return hideCanned();
  showCanned(matches, { start: at - m[2].length, end: at });
}

export function insertCanned(a) {
  const value = el.reply.value;
  let start = el.reply.selectionStart, end = el.reply.selectionEnd;
  if (cannedToken) { start = cannedToken.start; end = cannedToken.end; }
  const text = (value.slice(0, start) + a.text + value.slice(end)).slice(0, MAX_TEXT);
  el.reply.value = text;
  const caret = Math.min(text.length, start + a.text.length);
  hideCanned();
  el.reply.focus();
  el.reply.setSelectionRange(caret, caret);
}

// Keys in the reply box while the list is open; true when the key was the list's.
export function cannedKey(e) {
  if (el.cannedSuggestions.hidden || e.isComposing) return false;
  if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); hideCanned(); return true; }
  if (!cannedMatches.length) return false;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const n = cannedMatches.length;
    cannedActive = (cannedActive + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    markCannedActive();
    return true;
  }
  if ((e.key === 'Enter' && !e.shiftKey) || (e.key === 'Tab' && !e.shiftKey)) {
    e.preventDefault();
    insertCanned(cannedMatches[cannedActive]);
    return true;
  }
  return false;
}

el.reply.addEventListener('input', suggestCanned);
el.reply.addEventListener('blur', () => setTimeout(() => {
  if (document.activeElement !== el.reply && document.activeElement !== el.cannedButton) hideCanned();
}, 150));
el.cannedButton.addEventListener('click', () => {
  if (!el.cannedSuggestions.hidden) { hideCanned(); return; }
  if (!canWrite(dialogs.get(app.selectedId))) return;
  showCanned(cannedForSelected(), null);
  el.reply.focus();
});

// --- keeping them (SUPERVISOR, ADMIN)

export function renderCannedAdmin() {
  if (el.cannedPanel.hidden) return;
  el.cannedList.textContent = '';
  el.noCanned.hidden = cannedItems.length > 0;
  el.cannedCount.textContent = cannedItems.length ? '(' + cannedItems.length + ')' : '';
  cannedItems.forEach(a => {
    const li = document.createElement('li');
    li.className = 'canned-item';
    li.dataset.cannedId = String(a.id);
    div('title', li, a.shortcut + ' · ' + a.title);
    div('where', li, 'линия ' + a.line);
    const actions = div('actions', li);
    actions.append(button('canned-edit', 'Изменить', () => openCannedForm(a)),
      button('canned-delete', 'Удалить', () => deleteCanned(a)));
    el.cannedList.append(li);
  });
}

export async function openCannedForm(a) {
  cannedEditing = a || {};
  el.cannedForm.hidden = false;
  el.cannedFormError.textContent = '';
  [el.cannedLine, el.cannedShortcut, el.cannedName, el.cannedText].forEach(f => f.removeAttribute('aria-invalid'));
  el.cannedShortcut.value = cannedEditing.shortcut || '';
  el.cannedName.value = cannedEditing.title || '';
  el.cannedText.value = cannedEditing.text || '';
  el.cannedLine.textContent = '';
  let lines = [];
  try { lines = (await loadDirectory()).lines || []; } catch (err) {
    el.cannedFormError.textContent = 'Не удалось загрузить список линий: ' + err.message;
  }
  el.cannedLine.textContent = '';
  option(el.cannedLine, '', '— выберите линию —');
  lines.forEach(l => option(el.cannedLine, l.id, l.name + ' (' + l.id + ')'));
  const d = dialogs.get(app.selectedId);
  el.cannedLine.value = cannedEditing.line || (d && d.summary.line) || '';
  (cannedEditing.id ? el.cannedText : el.cannedShortcut).focus();
}

export function closeCannedForm() {
  cannedEditing = null;
  el.cannedForm.hidden = true;
}

export const CANNED_FIELD = { line: 'cannedLine', shortcut: 'cannedShortcut', title: 'cannedName', text: 'cannedText' };

el.cannedForm.addEventListener('submit', async e => {
  e.preventDefault();
  if (!cannedEditing) return;
  const body = {
    line: el.cannedLine.value, shortcut: el.cannedShortcut.value.trim(), title: el.cannedName.value.trim(),
    text: el.cannedText.value.trim()
  };
  if (body.shortcut && body.shortcut[0] !== '/') body.shortcut = '/' + body.shortcut;
  Object.values(CANNED_FIELD).forEach(k => el[k].removeAttribute('aria-invalid'));
  const missing = ['line', 'shortcut', 'title', 'text'].find(k => !body[k]);
  if (missing) {
    el.cannedFormError.textContent = 'Заполните все поля.';
    el[CANNED_FIELD[missing]].setAttribute('aria-invalid', 'true');
    el[CANNED_FIELD[missing]].focus();
    return;
  }
  el.cannedSave.disabled = true;
  const editing = cannedEditing;
  const r = await api(editing.id ? '/api/supervisor/canned/' + editing.id : '/api/supervisor/canned', {
    method: editing.id ? 'PUT' : 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
  });
  el.cannedSave.disabled = false;
  if (r.ok) {
    closeCannedForm();
    showNotice('Шаблон ' + body.shortcut + ' сохранён.');
    loadCanned();
    return;
  }
  el.cannedFormError.textContent = 'Шаблон не сохранён: ' + problemText(r);
  // The server names the field first ("shortcut: …").
  const field = CANNED_FIELD[((r.body && r.body.detail) || '').split(':')[0]];
  if (field) { el[field].setAttribute('aria-invalid', 'true'); el[field].focus(); }
});

export async function deleteCanned(a) {
  if (!confirm('Удалить шаблон ' + a.shortcut + '?')) return;
  const r = await api('/api/supervisor/canned/' + a.id, { method: 'DELETE' });
  if (r.ok || r.status === 404) { el.cannedError.textContent = ''; loadCanned(); }
  else el.cannedError.textContent = 'Шаблон не удалён: ' + problemText(r);
}

el.cannedNew.addEventListener('click', () => openCannedForm(null));
el.cannedCancel.addEventListener('click', closeCannedForm);
