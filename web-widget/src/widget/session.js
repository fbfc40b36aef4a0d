// The visitor's dialog over the socket: the connection (hello with the kept token, back-off, ping: shared/protocol.js),
// the messages not acknowledged yet, the current dialog, and what each frame of the gateway does to them.
import { Connection, Outbox, DialogLog, resumeRef, resumedDialog } from '../shared/protocol.js';
import { SITE, T, base, load, save, loadJson } from './env.js';
import { contact, emit } from './host-api.js';
import { nextQueue, errorText } from './view.js';
import { list, byCid, clearMessages, showMessage, renderOutbox, onAck, setState } from './messages.js';
import { readFor, setUnread, markRead } from './panel.js';
import { showTyping, hideTyping, stopTyping, typingLost } from './typing.js';
import { line, setLine, showOffline, giveWay } from './offline-form.js';
import { onResult, resultAnswer } from './result-box.js';
import { transcriptAnswer } from './transcript.js';
import { ratingAnswer } from './rating.js';
import { update } from './status.js';

export let conn, outbox, token;
export let dialog = null;     // current dialog summary {dialogId, state, agentName}
export let log;               // the seqs seen of the current dialog
export let queue = null;      // {position, estimatedWaitSeconds} while the dialog waits
let openPending = false;

export const send = frame => conn.send(frame);
export const isOpen = () => dialog && dialog.state !== 'CLOSED';
/** Whether a frame (or an outbox item, a dialog summary) is of the current dialog. */
export const isCurrent = f => dialog && f.dialogId === dialog.dialogId;
const resume = () => log.resume(conn, dialog.dialogId);

export function initSession() {
  token = load('localStorage', 'token');
  log = new DialogLog();
  conn = new Connection({
    url: (base.protocol === 'https:' ? 'wss://' : 'ws://') + base.host + '/ws/visitor?site=' + encodeURIComponent(SITE),
    WebSocket: window.WebSocket,
    hello: () => (token ? { type: 'hello', token, ref: 'hello' } : { type: 'hello', ref: 'hello' }),
    onFrame: handle, onLost: lost
  });
  // [{id, dialogId|null, text, at}]: a message written before its dialog is opened has no dialogId yet
  outbox = new Outbox({ send, persist: items => save('localStorage', 'outbox', items.length ? JSON.stringify(items) : null) });
  outbox.load(loadJson('localStorage', 'outbox', []));
  window.addEventListener('online', () => conn.start());
}

function handle(f) {
  // the answer to a box's request (a result's receipt, a transcript, a rating), or its error, carries the request's ref
  if (resultAnswer(f) || transcriptAnswer(f) || ratingAnswer(f)) return;
  switch (f.type) {
    case 'welcome': onWelcome(f); break;
    case 'opened': if (f.line) setLine(f.line); onOpened(f.dialog); break;
    case 'message': onMessage(f); break;
    case 'ack': onAck(f); break;
    case 'resumed':
      if (isCurrent(f)) { log.resuming = false; flush(); }
      break;
    case 'typing':
      if (f.from === 'agent' && isCurrent(f)) showTyping(f.typing, f.name);
      break;
    case 'queue':
      if (isCurrent(f)) {
        queue = nextQueue(queue, f);
        if (line && typeof f.agentsOnline === 'number') setLine(Object.assign({}, line, { agentsOnline: f.agentsOnline }));
        update();
      }
      break;
    case 'result': onResult(f); break;
    case 'error': onError(f); break;
  }
}

function onWelcome(f) {
  if (f.token) { token = f.token; save('localStorage', 'token', token); }
  setLine(f.line || null);
  const dialogs = Array.isArray(f.dialogs) ? f.dialogs : [];
  const d = dialogs.find(isCurrent) || dialogs.find(x => x.state !== 'CLOSED');
  if (!d) adoptNone();
  else if (isCurrent(d)) { dialog.state = d.state; dialog.agentName = d.agentName; }
  else adopt(d);
  if (dialog) resume();
  if (line && line.open === false && !isOpen()) showOffline('hours');
  update();
  flush();
}

function onOpened(d) {
  if (!d) return;
  openPending = false;
  if (!dialog || dialog.dialogId !== d.dialogId) {
    adopt(d);
    // open may join a dialog another tab already started: fetch what we have not seen.
    send({ type: 'resume', dialogId: d.dialogId, lastSeq: log.lastSeq, ref: resumeRef(d.dialogId) });
  }
  markRead();
  update();
  emit('opened', d);
  flush();
}

function adopt(d) {
  dialog = { dialogId: d.dialogId, state: d.state, agentName: d.agentName };
  queue = null;
  log = new DialogLog(); clearMessages();
  setUnread(0);
  readFor(d.dialogId);
  if (isOpen()) outbox.items.forEach(i => { if (!i.dialogId) i.dialogId = d.dialogId; });
  outbox.save();
  renderOutbox();
  hideTyping();
}

export function adoptNone() {
  if (!dialog) return;
  dialog = null; log = new DialogLog(); clearMessages();
  renderOutbox();
  update();
}

function onMessage(m) {
  if (!isCurrent(m) || !log.accept(m)) return;
  if (m.from === 'system') {
    if (m.event === 'waiting') dialog.state = 'WAITING';
    if (m.event === 'assigned' || m.event === 'forwarded' && m.agentName) {
      dialog.state = 'ASSIGNED'; dialog.agentName = m.agentName; queue = null;
      // someone answers after all: the form gives way to the chat (what was typed in it stays)
      giveWay();
    }
    if (m.event === 'forwarded' && !m.agentName || m.event === 'requeued') { dialog.state = 'WAITING'; dialog.agentName = null; queue = null; }
    if (m.event === 'closed') { dialog.state = 'CLOSED'; queue = null; hideTyping(); stopTyping(); }
    // Only a live offer opens the form: replaying an old dialog's history must not.
    if (m.event === 'offline_offered' && isOpen() && dialog.state === 'WAITING') showOffline(m.reason);
  }
  showMessage(m);
  update();
  // the rating and transcript boxes appear under a closed dialog: its last lines stay in sight
  if (m.event === 'closed') list.scrollTop = list.scrollHeight;
  emit('message', m);
}

function onError(e) {
  // hello failed: no welcome will come on this socket; start over after the usual back-off
  if (e.ref === 'hello') {
    if (!conn.ready) conn.drop();
    return;
  }
  // the dialog opens all the same, unverified: tell the site's developers, not the visitor
  if (e.code === 'IDENTITY_INVALID') return void console.warn('RosdistantChat.identify:', e.message);
  const mine = outbox.error(e, flush);
  if (mine) {
    const el = mine.failed && byCid.get(mine.item.id);
    if (el) setState(el, 'failed', errorText(e, T));
  } else if (e.ref === 'open') {
    openPending = false;
    if (e.retryable) return void setTimeout(flush, 2000 + Math.random() * 2000);
    outbox.items.filter(i => !i.dialogId).forEach(i => onError({ ref: i.id, code: e.code, message: e.message }));
  } else if (!e.ref && e.dialogId) {
    // the replay of a dialog failed (no ref): resuming again fetches what we have not seen
    if (e.retryable && isCurrent(e)) {
      setTimeout(() => { if (conn.ready && isCurrent(e)) resume(); }, 2000);
    }
  } else if (resumedDialog(e.ref) && dialog && resumedDialog(e.ref) === dialog.dialogId) {
    if (e.retryable) return void setTimeout(() => { if (conn.ready && dialog) resume(); }, 2000);
    log.resuming = false;
    adoptNone();
    flush();
  }
}

// The connection is gone: what was in flight goes again on the next one (shared/protocol.js reconnects).
function lost() {
  openPending = false;
  log.resuming = false;
  outbox.lost();
  typingLost();
  update();
}

/** Sends what the outbox holds; a message without a dialog first opens one (with the contact the page gave). */
export function flush() {
  if (!conn.ready) return;
  let needOpen = false;
  outbox.flush(i => {
    if (!i.dialogId) {
      if (!isOpen()) return !(needOpen = true);
      i.dialogId = dialog.dialogId;
      outbox.save();
    }
    return !(log.resuming && isCurrent(i));
  });
  if (needOpen && !openPending) {
    const f = { type: 'open', ref: 'open' };
    if (contact.name) f.name = contact.name;
    if (contact.email) f.email = contact.email;
    if (contact.identity) f.identity = contact.identity;
    openPending = send(f);
  }
}
