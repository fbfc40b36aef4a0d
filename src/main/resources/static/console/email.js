// The line's e-mail panel: mails waiting for an answer on the agent's lines (oldest first), "Взять" makes one the
// agent's dialog and opens it (the answer goes by mail); supervisors also see the mails that could not be read.
import { select } from './dialogs.js';
import { failedItem, mailItem, takeError } from './email-view.js';
import { dialogs, el, isSupervisor, hasRole } from './state.js';
import { api, div, loadJson, showNotice, timeOf } from './ui.js';

const RELOAD_MS = 15000;
let timer = 0, items = [], loadedAt = 0, busy = false;

export function setupEmail() {
  el.emailPanel.hidden = false;
  el.emailFailedBox.hidden = !(isSupervisor() || hasRole('ADMIN'));
  clearInterval(timer);
  refreshEmail();
  // "ждёт N мин" moves every 30 s; the list itself is read again every 15 s
  timer = setInterval(() => { if (Date.now() - loadedAt > RELOAD_MS) refreshEmail(); else renderEmail(); }, 30000);
}

export function stopEmail() {
  clearInterval(timer);
  el.emailPanel.hidden = true;
  items = [];
}

export async function refreshEmail() {
  if (busy) return;
  busy = true;
  try {
    const r = await loadJson('/api/email/dialogs?limit=100', el.emailError, 'Не удалось загрузить письма');
    if (r.status === 401) return stopEmail();
    if (r.ok) {
      items = r.body;
      loadedAt = Date.now();
    }
    renderEmail();
    if (!el.emailFailedBox.hidden) await refreshFailed();
  } finally {
    busy = false;
  }
}

export function renderEmail() {
  const now = Date.now();
  el.emailList.textContent = '';
  el.noEmail.hidden = items.length > 0;
  el.emailCount.textContent = items.length ? String(items.length) : '';
  items.map(m => mailItem(m, now)).forEach(m => {
    const li = document.createElement('li');
    li.className = 'email-item';
    li.dataset.dialogId = m.dialogId;
    li.dataset.long = String(m.long);
    div('who', li, m.from);
    div('subject', li, m.subject).title = m.preview;
    div('where', li, m.where);
    const flags = [m.followUp ? 'продолжение закрытого диалога' : '', m.bouncing ? 'адрес не принимает почту' : '']
      .filter(Boolean).join(' · ');
    if (flags) div('flags', li, flags);
    div('waited', li, m.waited);
    const actions = div('actions', li);
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'email-take primary';
    b.textContent = 'Взять';
    b.addEventListener('click', () => take(m.dialogId, b));
    actions.append(b);
    el.emailList.append(li);
  });
}

/** Takes the mail's dialog; the socket then brings it into the dialog list, where it is opened. */
export async function take(dialogId, button) {
  if (button) button.disabled = true;
  const r = await api('/api/email/dialogs/' + encodeURIComponent(dialogId) + '/take', { method: 'POST' });
  if (!r.ok) {
    el.emailError.textContent = takeError(r);
    refreshEmail();
    return;
  }
  el.emailError.textContent = '';
  items = items.filter(m => m.dialogId !== dialogId);
  renderEmail();
  openWhenListed(dialogId, Date.now() + 10000);
}

function openWhenListed(dialogId, deadline) {
  if (dialogs.has(dialogId)) return select(dialogId);
  if (Date.now() > deadline) return showNotice('Письмо взято; диалог появится в списке после переподключения.');
  setTimeout(() => openWhenListed(dialogId, deadline), 100);
}

async function refreshFailed() {
  const r = await loadJson('/api/supervisor/email/failed?limit=50', el.emailError, 'Не удалось загрузить неразобранные письма');
  if (r.status === 403) { el.emailFailedBox.hidden = true; return; }
  if (!r.ok) return;
  el.emailFailed.textContent = '';
  el.emailFailedCount.textContent = r.body.length ? String(r.body.length) : '';
  el.noEmailFailed.hidden = r.body.length > 0;
  r.body.map(failedItem).forEach((f, i) => {
    const li = document.createElement('li');
    li.className = 'email-failed-item';
    li.dataset.id = f.id;
    div('who', li, f.from + ' · ' + timeOf(r.body[i].receivedAt));
    div('subject', li, f.subject);
    div('reason', li, f.reason);
    div('where', li, f.where + ' — ' + f.kept);
    el.emailFailed.append(li);
  });
}

el.emailRefresh.addEventListener('click', refreshEmail);
