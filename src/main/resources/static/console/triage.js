// The dispatcher's triage panel: dialogs from the site to sort within 10 minutes.
import { takeOver } from './forward.js';
import { STATE_LABEL, TRIAGE_LABEL, VISITOR, el, errorText, hasRole, isSupervisor, send } from './state.js';
import { div, loadJson } from './ui.js';

export let triageTimer = 0, triageSoon = 0, triageItems = [], triageLoadedAt = 0;
export const TRIAGE_SOON = 7 * 60;

export function setupTriage() {
  const may = hasRole('DISPATCHER') || isSupervisor();
  el.triagePanel.hidden = !may;
  clearInterval(triageTimer);
  if (!may) return;
  refreshTriage();
  triageTimer = setInterval(() => { if (Date.now() - triageLoadedAt > 15000) refreshTriage(); else renderTriage(); }, 5000);
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
  const r = await loadJson('/api/triage', el.triageError, 'Не удалось загрузить список для разбора');
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
  const drift = (Date.now() - triageLoadedAt) / 1000;
  triageItems.forEach(t => {
    const waited = Math.max(0, (t.waitedSeconds || 0) + drift), limit = t.deadlineSeconds || 600;
    const li = document.createElement('li');
    li.className = 'triage-item';
    li.dataset.dialogId = t.dialogId;
    li.dataset.urgency = t.overdue || waited >= limit ? 'overdue' : waited >= Math.min(TRIAGE_SOON, limit * 0.7) ? 'soon' : 'ok';
    div('who', li, t.visitorName || VISITOR);
    div('where', li, [t.site, STATE_LABEL[t.state] || t.state, t.agentName].filter(Boolean).join(' · '));
    div('waited', li, Math.floor(waited / 60) + ' мин из ' + Math.round(limit / 60)
      + (li.dataset.urgency === 'overdue' ? ' — срок разбора истёк' : ''));
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

export function triageFailed(id, e) {
  el.triageError.textContent = 'Разбор не сохранён: ' + errorText(e);
  refreshTriage();
}
el.triageRefresh.addEventListener('click', refreshTriage);
