// The supervisor's overview: per line, who waits and how long, agents and their load, overdue triage and tasks.
import { app, el, hasRole, isSupervisor, load, save } from './state.js';
import { div, loadJson, pad, timeOf } from './ui.js';

// Per line: who waits and how long, agents in the console and their load, overdue triage and tasks; refreshed
// every 10 s for a SUPERVISOR (or ADMIN).
export let overviewTimer = 0, overviewData = null, overviewLoading = false;
export const PRESENCE_LABEL = { ONLINE: 'в сети', AWAY: 'отошёл', OFFLINE: 'не в сети' };

export function setupOverview() {
  const may = isSupervisor() || hasRole('ADMIN');
  el.overviewPanel.hidden = !may;
  clearInterval(overviewTimer);
  if (!may) return;
  el.overviewAll.checked = load('localStorage', 'overviewAll', false) === true;
  refreshOverview();
  overviewTimer = setInterval(refreshOverview, 10000);
}

export function stopOverview() {
  clearInterval(overviewTimer);
  el.overviewPanel.hidden = true;
}

export async function refreshOverview() {
  if (!app.loggedIn || overviewLoading) return;
  overviewLoading = true;
  const r = await loadJson('/api/supervisor/overview', el.overviewError, 'Не удалось обновить обзор',
    b => !!b && Array.isArray(b.lines));
  overviewLoading = false;
  if (!app.loggedIn) return;
  if (r.status === 401 || r.status === 403) return stopOverview();
  if (r.ok) overviewData = r.body;
  renderOverview();
}

export const minutes = s => Math.floor(s / 60) + ':' + pad(s % 60);

export function renderOverview() {
  if (!overviewData) return;
  el.overview.textContent = '';
  el.overviewAt.textContent = overviewData.at ? '(' + timeOf(overviewData.at) + ')' : '';
  const lines = overviewData.lines.filter(l => el.overviewAll.checked || l.waiting > 0 || (l.agents || []).length > 0
    || l.overdueTriage > 0 || l.overdueTasks > 0);
  el.overviewEmpty.hidden = lines.length > 0;
  lines.forEach(l => {
    const li = document.createElement('li');
    li.className = 'overview-line';
    li.dataset.line = l.line;
    // Visitors wait with nobody online to take them, or longer than 5 minutes.
    li.dataset.alert = String(l.waiting > 0 && (l.agentsOnline === 0 || l.longestWaitSeconds > 300));
    div('name', li, l.name + ' (' + l.line + ')');
    div('queue', li, l.waiting ? 'ждут: ' + l.waiting + ', дольше всех ' + minutes(l.longestWaitSeconds) : 'никто не ждёт');
    const agents = l.agents || [];
    div('agents', li, 'в сети: ' + l.agentsOnline + (agents.length ? ' — ' + agents.map(a => a.displayName + ' '
      + a.load + '/' + a.maxDialogs + (a.presence !== 'ONLINE' || !a.connected
        ? ' (' + (a.connected ? PRESENCE_LABEL[a.presence] || a.presence : 'нет связи') + ')' : '')).join(', ') : ''));
    div('late', li, [l.overdueTriage ? 'просрочен разбор: ' + l.overdueTriage : '',
      l.overdueTasks ? 'просрочено задач: ' + l.overdueTasks : ''].filter(Boolean).join(', '));
    el.overview.append(li);
  });
  const o = overviewData.outbox || {};
  el.overviewOutbox.textContent = 'Не доставлено из очереди отправки: ' + (o.undelivered || 0)
    + (o.failed ? ', из них с ошибкой: ' + o.failed : '');
}

el.overviewRefresh.addEventListener('click', refreshOverview);
el.overviewAll.addEventListener('change', () => { save('localStorage', 'overviewAll', el.overviewAll.checked); renderOverview(); });
