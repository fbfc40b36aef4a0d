// The dialog list: the agent's dialogs, the person waiting longest first, each with who it is, the channel, the
// last message's first line, how long the person has waited (live) and the unread count; selecting one shows it in
// the conversation panel, loads its card and tells the server it has been read (`read`).
import { DialogLog } from './shared/protocol.js';
import { loadCard } from './card.js';
import { compareDialogs, waitingLong, waitingText } from './inbox-view.js';
import { renderConversation, stopTyping } from './conversation.js';
import { STATE_LABEL, VISITOR, app, dialogs, el, label, saveReadMarks, send } from './state.js';
import { showNotice } from './ui.js';

/** Asks for a dialog's messages after the last one seen (its replies wait until `resumed`). */
export const resume = d => d.log.resume(app.conn, d.id);

export function upsertDialog(s, fromDialogFrame) {
  let d = dialogs.get(s.dialogId);
  const isNew = !d;
  // A dialog that has just left this agent (dialog_left) is not brought back by a late copy of its `dialog` frame;
  // only one that is this agent's again is.
  if (isNew && app.left.has(s.dialogId) && !(s.state === 'ASSIGNED' && s.agentId === app.agentId)) return;
  app.left.delete(s.dialogId);
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
  // The server counts what this agent has not read, up to the summary's lastSeq; the console counts the messages
  // after it (conversation.js). A summary older than what was counted here does not set the count back.
  if (typeof s.unread === 'number' && (s.lastSeq || 0) >= (d.countedUpTo || 0)) {
    d.unread = s.unread;
    d.countedUpTo = s.lastSeq || 0;
  }
  if (isNew && fromDialogFrame && app.conn.ready) resume(d);  // a newly assigned dialog: load its whole history
  renderDialogList();
  // A new dialog to answer takes the screen when nothing answerable is on it (no selection, or a dialog that
  // is closed or no longer this agent's); an agent busy in another dialog is not pulled away: the new one
  // shows its unread count instead.
  const current = dialogs.get(app.selectedId);
  if (!current || (isNew && !canWrite(current) && canWrite(d))) select(d.id);
  else if (app.selectedId === d.id) {
    if (!document.hidden && d.unread) { markRead(d); renderDialogList(); }
    renderConversation();
  }
}

export function stateOf(d) { return d.summary.state || 'WAITING'; }
// A dialog the visitor closed before the agent did still needs its appeal type, from the agent who had it; the
// server says so (needsAppealType: never for spam), and the appeal type once given settles it.
export function needsClass(d) {
  if (!d || stateOf(d) !== 'CLOSED' || d.summary.appealType) return false;
  if (typeof d.summary.needsAppealType === 'boolean') return d.summary.needsAppealType;
  return d.summary.agentId != null && (app.agentId == null || d.summary.agentId === app.agentId);
}
// The server takes replies only in a dialog assigned to this agent and not closed; a dialog that went back to
// the waiting line (app.agentId null) or to a colleague is read-only here.
export function canWrite(d) {
  return !!d && stateOf(d) === 'ASSIGNED' && (app.agentId == null || d.summary.agentId === app.agentId);
}
export const siteLabel = s => s.siteName || s.site || '';
export const openedAt = d => Date.parse(d.summary.openedAt) || 0;
/** Who the person is: the server's title (card name, given name, or site and visitor number). */
export const titleOf = s => s.title || s.visitorName || (siteLabel(s) ? siteLabel(s) + ' · ' : '') + VISITOR;

// What the empty list says, after the agent's real state: not connected, offline, away, or online and idle.
export function emptyText() {
  if (el.connection.dataset.state !== 'online') return 'Нет связи с сервером — диалоги появятся после переподключения.';
  const p = el.presence.value;
  if (p === 'ONLINE') return 'Диалогов нет. Вы в сети: новый диалог появится здесь, как только посетитель напишет.';
  if (p === 'AWAY') return 'Диалогов нет. Вы «Отошёл»: новые диалоги не назначаются, пока не выберете «В сети».';
  return 'Нет назначенных диалогов. Чтобы получать новые, выберите статус «В сети».';
}

export function renderDialogList() {
  const items = [...dialogs.values()].sort(compareDialogs);
  el.noDialogs.hidden = items.length > 0;
  if (!items.length) el.noDialogs.textContent = emptyText();
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
  const row = document.createElement('span');
  row.className = 'row';
  for (const cls of ['visitor', 'unread', 'site', 'preview', 'row', 'typing-flag']) {
    if (cls === 'row') { open.append(row); continue; }
    const span = document.createElement('span');
    span.className = cls;
    open.append(span);
  }
  for (const cls of ['state', 'waited']) {
    const span = document.createElement('span');
    span.className = cls;
    row.append(span);
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
  const s = d.summary;
  li.querySelector('.site').textContent = s.channelName || siteLabel(s);
  li.querySelector('.visitor').textContent = titleOf(s);
  li.querySelector('.preview').textContent = s.preview || '';
  const waited = state === 'CLOSED' ? '' : waitingText(s.waitingSince, Date.now());
  li.querySelector('.waited').textContent = waited;
  li.dataset.waiting = waited ? (waitingLong(s.waitingSince, Date.now()) ? 'long' : 'yes') : 'no';
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

export function select(id, focusReply = true) {
  if (app.selectedId !== id) stopTyping();
  const changed = app.selectedId !== id;
  app.selectedId = id;
  const d = dialogs.get(id);
  if (d) markRead(d);
  renderDialogList();
  renderConversation();
  if (changed) loadCard(id);
  if (d && canWrite(d) && focusReply) el.reply.focus();
}

/** The next (step 1) or previous (-1) dialog of the list, in the order shown; wraps around. */
export function selectNext(step) {
  const ids = [...el.dialogs.children].map(li => li.dataset.dialogId);
  if (!ids.length) return;
  const at = ids.indexOf(app.selectedId);
  const next = at < 0 ? (step > 0 ? 0 : ids.length - 1) : (at + step + ids.length) % ids.length;
  select(ids[next], false);
  const button = el.dialogs.children[next] && el.dialogs.children[next].querySelector('.dialog-open');
  if (button) button.focus();
}

export function removeDialog(id, force) {
  const d = dialogs.get(id);
  if (!d || (stateOf(d) !== 'CLOSED' && !force)) return;
  dialogs.delete(id);
  delete app.readMarks[id];
  saveReadMarks();
  clearTimeout(d.readTimer);
  if (app.selectedId === id) {
    const next = [...dialogs.values()].sort(compareDialogs)[0];
    app.selectedId = next ? next.id : null;
    if (next) markRead(next);
    loadCard(app.selectedId);
  }
  renderDialogList();
  renderConversation();
}

// The dialog is on screen: nothing in it is unread, and the server is told (read {dialogId, seq}) so that its count
// and the agent's other tabs agree. Sent a moment later, once per burst of messages.
export function markRead(d) {
  d.unread = 0;
  if ((app.readMarks[d.id] || 0) < d.log.lastSeq) { app.readMarks[d.id] = d.log.lastSeq; saveReadMarks(); }
  if (!d.log.lastSeq || (d.readSent || 0) >= d.log.lastSeq) return;
  if (d.summary.agentId != null && app.agentId != null && d.summary.agentId !== app.agentId) return;
  clearTimeout(d.readTimer);
  d.readTimer = setTimeout(() => {
    if (dialogs.get(d.id) !== d || (d.readSent || 0) >= d.log.lastSeq) return;
    const seq = d.log.lastSeq;
    if (send({ type: 'read', dialogId: d.id, seq, ref: 'read:' + d.id })) d.readSent = seq;
  }, 300);
}

/** The server's `read` (this agent read the dialog here or in another tab): its unread count. */
export function onRead(f) {
  const d = dialogs.get(f.dialogId);
  if (!d) return;
  if (typeof f.seq === 'number') {
    d.readSent = Math.max(d.readSent || 0, f.seq);
    if ((app.readMarks[d.id] || 0) < f.seq) { app.readMarks[d.id] = f.seq; saveReadMarks(); }
  }
  if (typeof f.unread === 'number') d.unread = d.id === app.selectedId && !document.hidden ? 0 : f.unread;
  renderDialogList();
}

/**
 * `dialog_left`: the dialog is no longer this agent's (forwarded, triaged, taken over, requeued, spam); it leaves
 * the list at once, with a short notice. It may come twice: the second one finds nothing to do.
 */
export function onDialogLeft(f) {
  const d = dialogs.get(f.dialogId);
  app.left.add(f.dialogId);
  if (!d) return;
  const title = titleOf(d.summary);
  removeDialog(f.dialogId, true);
  if (app.leftNoticed === f.dialogId) { app.leftNoticed = null; return; }
  const why = label('dialogLeft', f.reason) || 'Диалог ушёл';
  const to = f.agentName ? ' — теперь у оператора ' + f.agentName : f.lineName ? ' — на линию «' + f.lineName + '»' : '';
  showNotice('«' + title + '»: ' + why.toLowerCase() + to + '.');
}

// "ждёт N мин" moves on by itself.
setInterval(() => { if (dialogs.size) renderDialogList(); }, 30000);
