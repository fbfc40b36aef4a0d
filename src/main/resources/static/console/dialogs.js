// The dialog list: the agent's dialogs (open first, newest on top) with their state, typing and unread count;
// selecting one shows it in the conversation panel and loads its card.
import { DialogLog } from './shared/protocol.js';
import { loadCard } from './card.js';
import { renderConversation, stopTyping } from './conversation.js';
import { STATE_LABEL, VISITOR, app, dialogs, el, saveReadMarks } from './state.js';

/** Asks for a dialog's messages after the last one seen (its replies wait until `resumed`). */
export const resume = d => d.log.resume(app.conn, d.id);

export function upsertDialog(s, fromDialogFrame) {
  let d = dialogs.get(s.dialogId);
  const isNew = !d;
  if (isNew) {
    const list = document.createElement('div');
    list.className = 'messages';
    list.setAttribute('role', 'log');
    list.setAttribute('aria-live', 'polite');
    list.setAttribute('aria-labelledby', 'conv-title');
    d = {
      id: s.dialogId, summary: s, log: new DialogLog(), unread: 0, list, byCid: new Map(),
      visitorTyping: false, typingTimer: 0, error: null
    };
    dialogs.set(d.id, d);
  } else {
    d.summary = Object.assign({}, d.summary, s);
  }
  if (isNew && fromDialogFrame && app.conn.ready) resume(d);  // a newly assigned dialog: load its whole history
  renderDialogList();
  // A new dialog to answer takes the screen when nothing answerable is on it (no selection, or a dialog that
  // is closed or no longer this agent's); an agent busy in another dialog is not pulled away: the new one
  // shows its unread count instead.
  const current = dialogs.get(app.selectedId);
  if (!current || (isNew && !canWrite(current) && canWrite(d))) select(d.id);
  else if (app.selectedId === d.id) renderConversation();
}

export function stateOf(d) { return d.summary.state || 'WAITING'; }
// A dialog the visitor closed before the agent did still needs its appeal type, from the agent who had it.
export function needsClass(d) {
  return !!d && stateOf(d) === 'CLOSED' && !d.summary.appealType && d.summary.agentId != null
    && (app.agentId == null || d.summary.agentId === app.agentId);
}
// The server takes replies only in a dialog assigned to this agent and not closed; a dialog that went back to
// the waiting line (app.agentId null) or to a colleague is read-only here.
export function canWrite(d) {
  return !!d && stateOf(d) === 'ASSIGNED' && (app.agentId == null || d.summary.agentId === app.agentId);
}
export const siteLabel = s => s.siteName || s.site || '';
export const openedAt = d => Date.parse(d.summary.openedAt) || 0;

export function renderDialogList() {
  // Open dialogs first, newest on top.
  const items = [...dialogs.values()].sort((a, b) =>
    (stateOf(a) === 'CLOSED') - (stateOf(b) === 'CLOSED') || openedAt(b) - openedAt(a));
  el.noDialogs.hidden = items.length > 0;
  const existing = new Map([...el.dialogs.children].map(li => [li.dataset.dialogId, li]));
  items.forEach((d, index) => {
    let li = existing.get(d.id);
    if (!li) li = buildItem(d);
    existing.delete(d.id);
    fillItem(li, d);
    if (el.dialogs.children[index] !== li) el.dialogs.insertBefore(li, el.dialogs.children[index] || null);
  });
  existing.forEach(li => li.remove());
  updateTitle();
}

export function buildItem(d) {
  const li = document.createElement('li');
  li.className = 'dialog-item';
  li.dataset.dialogId = d.id;
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'dialog-open';
  for (const cls of ['site', 'visitor', 'state', 'typing-flag', 'unread']) {
    const span = document.createElement('span');
    span.className = cls;
    open.append(span);
  }
  open.addEventListener('click', () => select(d.id));
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'dialog-remove';
  remove.textContent = '×';
  remove.title = 'Убрать из списка';
  remove.setAttribute('aria-label', 'Убрать закрытый диалог из списка');
  remove.addEventListener('click', () => removeDialog(d.id));
  li.append(open, remove);
  return li;
}

export function fillItem(li, d) {
  const state = stateOf(d);
  li.dataset.state = state;
  li.classList.toggle('selected', d.id === app.selectedId);
  li.firstChild.setAttribute('aria-current', d.id === app.selectedId ? 'true' : 'false');
  li.querySelector('.site').textContent = siteLabel(d.summary);
  li.querySelector('.visitor').textContent = d.summary.visitorName || VISITOR;
  li.querySelector('.state').textContent = (STATE_LABEL[state] || state) + (needsClass(d) ? ' · укажите тип обращения' : '');
  li.dataset.unclassified = needsClass(d) ? 'true' : 'false';
  li.querySelector('.typing-flag').textContent = d.visitorTyping && state !== 'CLOSED' ? 'печатает…' : '';
  const unread = li.querySelector('.unread');
  unread.textContent = String(d.unread);
  unread.hidden = d.unread === 0;
  unread.setAttribute('aria-label', 'непрочитанных: ' + d.unread);
  li.lastChild.hidden = state !== 'CLOSED';
}

export function updateTitle() {
  let total = 0;
  dialogs.forEach(d => { total += d.unread; });
  document.title = (total ? '(' + total + ') ' : '') + 'Консоль оператора — contact-gateway';
}

export function select(id) {
  if (app.selectedId !== id) stopTyping();
  const changed = app.selectedId !== id;
  app.selectedId = id;
  const d = dialogs.get(id);
  if (d) markRead(d);
  renderDialogList();
  renderConversation();
  if (changed) loadCard(id);
  if (d && canWrite(d)) el.reply.focus();
}

export function removeDialog(id) {
  const d = dialogs.get(id);
  if (!d || stateOf(d) !== 'CLOSED') return;
  dialogs.delete(id);
  delete app.readMarks[id];
  saveReadMarks();
  if (app.selectedId === id) {
    app.selectedId = dialogs.size ? dialogs.keys().next().value : null;
    loadCard(app.selectedId);
  }
  renderDialogList();
  renderConversation();
}

export function markRead(d) {
  d.unread = 0;
  if ((app.readMarks[d.id] || 0) < d.log.lastSeq) { app.readMarks[d.id] = d.log.lastSeq; saveReadMarks(); }
}
