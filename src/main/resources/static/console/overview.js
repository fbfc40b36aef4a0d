// The supervisor's live view in the middle pane: per line, who waits and how long, the agents and their load (each
// may be set offline), the live dialogs (each opens read-only or is taken over), overdue triage and tasks. Read
// from /api/supervisor/overview every 10 s for a SUPERVISOR (or ADMIN); the tabs switch the pane between it and
// the selected dialog.
import { lineAlert, liveRow, maySetOffline, minutes, shownLines, summaryOf } from './live-view.js';
import { resume, select, upsertDialog } from './dialogs.js';
import { takeOver } from './forward.js';
import { app, dialogs, el, hasRole, isSupervisor, load, save } from './state.js';
import { api, button, div, loadJson, problemText, showNotice, timeOf } from './ui.js';

export let overviewTimer = 0, overviewData = null, overviewLoading = false;
export const PRESENCE_LABEL = { ONLINE: 'в сети', AWAY: 'отошёл', OFFLINE: 'не в сети' };
export { minutes };
let viewChosen = false;

export function setupOverview() {
  const may = isSupervisor() || hasRole('ADMIN');
  el.overviewPanel.hidden = !may;
  el.middleTabs.hidden = !may;
  clearInterval(overviewTimer);
  if (!may) return showMiddle('dialog');
  // the live view is the supervisor's first screen; after a reconnect the pane stays as it was
  if (!viewChosen) showMiddle('live');
  el.overviewAll.checked = load('localStorage', 'overviewAll', false) === true;
  refreshOverview();
  overviewTimer = setInterval(refreshOverview, 10000);
}

export function stopOverview() {
  clearInterval(overviewTimer);
  el.overviewPanel.hidden = true;
  el.middleTabs.hidden = true;
  viewChosen = false;
  showMiddle('dialog');
}

/** Shows the live view ('live') or the selected dialog ('dialog') in the middle pane. */
export function showMiddle(view) {
  el.conversation.dataset.view = view;
  el.tabLive.setAttribute('aria-selected', String(view === 'live'));
  el.tabDialog.setAttribute('aria-selected', String(view === 'dialog'));
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

export function renderOverview() {
  if (!overviewData) return;
  el.overview.textContent = '';
  el.overviewAt.textContent = overviewData.at ? '(' + timeOf(overviewData.at) + ')' : '';
  const lines = shownLines(overviewData.lines, el.overviewAll.checked);
  el.overviewEmpty.hidden = lines.length > 0;
  const now = Date.now();
  lines.forEach(l => {
    const li = document.createElement('li');
    li.className = 'overview-line';
    li.dataset.line = l.line;
    li.dataset.alert = String(lineAlert(l));
    div('name', li, l.name + ' (' + l.line + ')');
    div('queue', li, l.waiting ? 'ждут: ' + l.waiting + ', дольше всех ' + minutes(l.longestWaitSeconds) : 'никто не ждёт');
    const agents = l.agents || [];
    div('agents', li, 'в сети: ' + l.agentsOnline + (agents.length ? '' : ' — никого из операторов линии'));
    if (agents.length) li.append(agentList(agents));
    div('late', li, [l.overdueTriage ? 'просрочен разбор: ' + l.overdueTriage : '',
      l.overdueTasks ? 'просрочено задач: ' + l.overdueTasks : ''].filter(Boolean).join(', '));
    if ((l.dialogs || []).length) li.append(dialogList(l.dialogs, now));
    el.overview.append(li);
  });
  const o = overviewData.outbox || {};
  el.overviewOutbox.textContent = 'Не доставлено из очереди отправки: ' + (o.undelivered || 0)
    + (o.failed ? ', из них с ошибкой: ' + o.failed : '');
}

function agentList(agents) {
  const ul = document.createElement('ul');
  ul.className = 'live-agents';
  agents.forEach(a => {
    const li = document.createElement('li');
    li.className = 'live-agent';
    li.dataset.agentId = String(a.agentId);
    li.dataset.presence = a.presence;
    div('who', li, a.displayName + ' ' + a.load + '/' + a.maxDialogs + (a.presence !== 'ONLINE' || !a.connected
      ? ' (' + (a.connected ? PRESENCE_LABEL[a.presence] || a.presence : 'нет связи') + ')' : ''));
    if (maySetOffline(a, app.agentId)) {
      li.append(button('small set-offline', 'Не в сети', () => setOffline(a)));
    }
    ul.append(li);
  });
  return ul;
}

function dialogList(list, now) {
  const ul = document.createElement('ul');
  ul.className = 'live-dialogs';
  list.forEach(d => {
    const row = liveRow(d, now, app.agentId);
    const li = document.createElement('li');
    li.className = 'live-dialog';
    li.dataset.dialogId = row.id;
    li.dataset.state = d.state;
    li.dataset.long = String(row.long);
    div('who', li, row.who + (row.from ? ' · ' + row.from : ''));
    div('state', li, row.state);
    li.append(button('small open-live', 'Открыть', () => openLive(d)));
    if (row.mayTakeOver) li.append(button('small take-live', 'Забрать', () => { openLive(d); takeOver(d.dialogId); }));
    ul.append(li);
  });
  return ul;
}

/** Opens a live dialog read-only: it joins the list, its history is loaded, and the pane shows it. */
function openLive(d) {
  if (!dialogs.has(d.dialogId)) upsertDialog(summaryOf(d), false);
  const dialog = dialogs.get(d.dialogId);
  if (dialog && app.conn && app.conn.ready) resume(dialog);
  select(d.dialogId, false);
  showMiddle('dialog');
}

async function setOffline(a) {
  const r = await api('/api/supervisor/agents/' + encodeURIComponent(a.agentId) + '/presence', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ status: 'OFFLINE' })
  });
  showNotice(r.ok ? a.displayName + ': «Не в сети»' : 'Не удалось: ' + problemText(r));
  refreshOverview();
}

el.overviewRefresh.addEventListener('click', refreshOverview);
el.overviewAll.addEventListener('change', () => { save('localStorage', 'overviewAll', el.overviewAll.checked); renderOverview(); });
el.tabLive.addEventListener('click', () => { viewChosen = true; showMiddle('live'); });
el.tabDialog.addEventListener('click', () => { viewChosen = true; showMiddle('dialog'); });
// choosing a dialog from the list shows it
el.dialogs.addEventListener('click', () => { viewChosen = true; showMiddle('dialog'); });
