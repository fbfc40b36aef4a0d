// The dispatcher's triage panel: dialogs from the site to sort within 10 minutes.
import { takeOver } from './forward.js';
import { loadSiteNames, siteName } from './card.js';
import { countdownText, deadlineOf } from './inbox-view.js';
import { TRIAGE_LABEL, VISITOR, el, errorText, hasRole, isSupervisor, label, send } from './state.js';
import { div, loadJson } from './ui.js';

export let triageTimer = 0, triageSoon = 0, triageItems = [], triageLoadedAt = 0;
export const TRIAGE_SOON = 7 * 60;

export function setupTriage() {
  const may = hasRole('DISPATCHER') || isSupervisor();
  el.triagePanel.hidden = !may;
  clearInterval(triageTimer);
  if (!may) return;
  refreshTriage();
  // the countdown moves every second; the list itself is read again every 15 s
  triageTimer = setInterval(() => { if (Date.now() - triageLoadedAt > 15000) refreshTriage(); else tickTriage(); }, 1000);
}

export function stopTriage() {
  clearInterval(triageTimer);
  el.triagePanel.hidden = true;
}

export function refreshTriageSoon() {
  clearTimeout(triageSoon);
  triageSoon = setTimeout(refreshTriage, 300);
}

export async function refreshTriage() {
  const [r] = await Promise.all([loadJson('/api/triage', el.triageError, 'Не удалось загрузить список для разбора'),
    loadSiteNames()]);
  if (r.status === 401 || r.status === 403) return stopTriage();
  if (r.ok) {
    triageItems = r.body;
    triageLoadedAt = Date.now();
  }
  renderTriage();
}

export function renderTriage() {
  el.triage.textContent = '';
  el.noTriage.hidden = triageItems.length > 0;
  const now = Date.now();
  triageItems.forEach(t => {
    const limit = t.deadlineSeconds || 600, deadline = deadlineOf(t, triageLoadedAt);
    const left = deadline == null ? limit : (deadline - now) / 1000;
    const li = document.createElement('li');
    li.className = 'triage-item';
    li.dataset.dialogId = t.dialogId;
    li.dataset.urgency = t.overdue || left <= 0 ? 'overdue' : left <= limit - Math.min(TRIAGE_SOON, limit * 0.7) ? 'soon' : 'ok';
    div('who', li, t.visitorName || VISITOR);
    div('where', li, [t.siteName || siteName(t.siteId || t.site), label('dialogState', t.state), t.agentName]
      .filter(Boolean).join(' · '));
    if (t.firstMessage) div('first-message', li, t.firstMessage).title = t.firstMessage;
    const waited = div('waited', li, countdownText(deadline, now, limit));
    waited.dataset.urgency = li.dataset.urgency;
    const actions = div('actions', li);
    ['spam', 'partner', 'applicant', 'student'].forEach(outcome => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'triage-' + outcome;
      b.textContent = TRIAGE_LABEL[outcome];
      b.addEventListener('click', () => {
        if (outcome === 'spam' && !confirm('Отметить как спам и завершить диалог?')) return;
        if (send({ type: 'triage', dialogId: t.dialogId, outcome, ref: 'triage:' + t.dialogId })) {
          li.querySelectorAll('button').forEach(x => { x.disabled = true; });
          refreshTriageSoon();
        } else el.triageError.textContent = 'Нет связи с сервером.';
      });
      actions.append(b);
    });
    if (isSupervisor() && t.state !== 'CLOSED') {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'triage-take-over';
      b.textContent = 'Забрать себе';
      b.addEventListener('click', () => takeOver(t.dialogId));
      actions.append(b);
    }
    el.triage.append(li);
  });
}

// Only the countdowns change between loads: rewrite their text without rebuilding the list (buttons keep focus).
export function tickTriage() {
  const now = Date.now();
  [...el.triage.children].forEach(li => {
    const t = triageItems.find(x => x.dialogId === li.dataset.dialogId);
    const node = li.querySelector('.waited');
    if (t && node) node.textContent = countdownText(deadlineOf(t, triageLoadedAt), now, t.deadlineSeconds || 600);
  });
}

export function triageFailed(id, e) {
  el.triageError.textContent = 'Разбор не сохранён: ' + errorText(e);
  refreshTriage();
}
el.triageRefresh.addEventListener('click', refreshTriage);
