// The conversation panel: the selected dialog's messages in seq order, the reply box (Enter sends; unsent replies
// stay in the outbox across reloads), typing both ways.
import { linkify, placeBySeq } from './shared/dom.js';
import { Outbox, uid } from './shared/protocol.js';
import { isEmail, renderPicked, showAnswerFiles, uploadPicked } from './answer-files.js';
import { cannedKey, cannedShownFor, hideCanned } from './canned.js';
import { openCloseModal } from './close.js';
import { canWrite, markRead, needsClass, removeDialog, renderDialogList, siteLabel, stateOf, titleOf } from './dialogs.js';
import { APPEAL_LABEL, MAX_TEXT, STATE_LABEL, VISITOR, app, dialogs, el, isSupervisor, save, send } from './state.js';
import { div, timeOf } from './ui.js';

export function renderConversation() {
  const d = dialogs.get(app.selectedId);
  // Each dialog keeps its own message list; the selected one takes the place (and the id) of #messages.
  const list = d ? d.list : emptyList();
  if (el.messages !== list) {
    el.messages.removeAttribute('id');
    el.messages.replaceWith(list);
    list.id = 'messages';
    el.messages = list;
    list.scrollTop = list.scrollHeight;
    if (isEmail(d)) showAnswerFiles(d);
  }
  if (!d) {
    el.convTitle.textContent = dialogs.size ? 'Выберите диалог' : 'Нет диалогов';
    el.convMeta.textContent = '';
  } else {
    const s = d.summary;
    el.convTitle.textContent = titleOf(s) + ' · ' + (s.channelName || siteLabel(s));
    const opened = s.openedAt ? new Date(s.openedAt).toLocaleString('ru') : '';
    const fw = s.forward;
    el.convMeta.textContent = [STATE_LABEL[stateOf(d)] || stateOf(d), opened && 'открыт ' + opened,
      s.agentId != null && app.agentId != null && s.agentId !== app.agentId
        ? 'назначен ' + (s.agentName ? 'оператору ' + s.agentName : 'другому оператору') : '',
      s.appealType && (APPEAL_LABEL[s.appealType] || s.appealType) + (s.requestNumber ? ' № ' + s.requestNumber : ''),
      needsClass(d) && 'посетитель завершил диалог — укажите тип обращения',
      fw && fw.by && 'передан: ' + fw.by + (fw.note ? ' — «' + fw.note + '»' : ''), d.error]
      .filter(Boolean).join(' · ');
  }
  const writable = canWrite(d);
  el.reply.disabled = !writable;
  el.send.disabled = !writable;
  el.reply.placeholder = !d ? 'Выберите диалог' : writable
    ? 'Ответ посетителю… (Enter — отправить, Shift+Enter — новая строка)'
    : stateOf(d) === 'CLOSED' ? 'Диалог завершён' : 'Писать можно только в своих диалогах';
  el.closeDialog.disabled = !writable;
  el.cannedButton.disabled = !writable;
  renderPicked(writable);
  if (!writable || cannedShownFor !== app.selectedId) hideCanned();
  const open = !!d && stateOf(d) !== 'CLOSED';
  el.forwardDialog.disabled = !(writable || (open && isSupervisor()));
  el.takeOver.hidden = !(open && isSupervisor() && d.summary.agentId !== app.agentId);
  el.classifyDialog.hidden = !needsClass(d);
  el.removeDialog.hidden = !d || stateOf(d) !== 'CLOSED';
  renderTyping();
}

export let placeholderList = null;
export function emptyList() {
  if (!placeholderList) {
    placeholderList = document.createElement('div');
    placeholderList.className = 'messages';
    placeholderList.setAttribute('role', 'log');
    placeholderList.setAttribute('aria-live', 'polite');
  }
  return placeholderList;
}


// The replies not acknowledged yet, [{id, dialogId, text, at}], kept per login across reloads (shared/protocol.js).
export const outbox = new Outbox({ send, persist: items => save('localStorage', 'outbox', items.length ? items : null) });




export function makeMsg(d, m) {
  const node = div('msg');
  node.dataset.from = m.from;
  if (m.from === 'agent' && m.clientMsgId) node.dataset.cid = m.clientMsgId;
  if (m.from === 'visitor') div('name', node, d.summary.visitorName || VISITOR);
  if (m.from === 'agent') div('name', node, m.agentName || (app.me && app.me.displayName) || 'Оператор');
  const text = div('text', node);
  if (m.from === 'system') text.textContent = m.text || m.event || '';
  else linkify(text, String(m.text || ''));
  if (m.event === 'file' && m.clientMsgId) {
    // a visitor's file: staff download it with their login (served as an attachment, never inline)
    const a = document.createElement('a');
    a.className = 'file';
    a.href = '/api/dialogs/' + encodeURIComponent(m.dialogId) + '/files/' + encodeURIComponent(m.clientMsgId);
    a.download = m.fileName || '';
    a.textContent = 'Скачать файл: ' + (m.fileName || '');
    text.append(document.createElement('br'), a);
  }
  div('meta', node);
  node._at = m.at;
  if (m.from === 'agent') setState(node, 'sent'); else setMeta(node);
  return node;
}

export function setMeta(node, extra) {
  node.lastChild.textContent = timeOf(node._at) + (extra ? ' · ' + extra : '');
}

export function setState(node, state, err) {
  node.dataset.state = state;
  setMeta(node, state === 'sending' ? 'отправляется…' : state === 'failed' ? 'не отправлено' + (err ? ': ' + err : '') : '');
}

// Keeps a dialog's list in seq order; own messages without a seq yet stay at the end.
export function place(d, node, seq) {
  placeBySeq(d.list, node, seq);
}

export function onMessage(m) {
  const d = dialogs.get(m.dialogId);
  if (!d || !d.log.accept(m)) return;
  let node = m.from === 'agent' && m.clientMsgId && d.byCid.get(m.clientMsgId);
  if (node) {
    outbox.ack(m.clientMsgId);
    node._at = m.at;
    setState(node, 'sent');
  } else {
    node = makeMsg(d, m);
  }
  node.dataset.seq = m.seq;
  place(d, node, m.seq);
  if (m.from === 'agent' && isEmail(d)) showAnswerFiles(d);
  if (m.from === 'system') {
    if (m.event === 'assigned') d.summary = Object.assign({}, d.summary, { state: 'ASSIGNED', agentName: m.agentName });
    if (m.event === 'closed') { d.summary = Object.assign({}, d.summary, { state: 'CLOSED' }); d.visitorTyping = false; }
  }
  // The list's fields between welcomes (docs/protocol.md): a message newer than the server's last summary
  // replaces the last line, starts or ends the wait, and (from the person, off screen) adds to the unread count;
  // older ones (a replay) are in the summary already.
  const live = m.seq > (d.countedUpTo || 0);
  if (live) d.countedUpTo = m.seq;
  if (live && (m.from === 'visitor' || m.from === 'agent')) {
    d.summary.preview = firstLine(m.text);
    d.summary.waitingSince = m.from === 'visitor' ? d.summary.waitingSince || m.at : null;
  }
  if (m.from === 'visitor') {
    d.visitorTyping = false;
    clearTimeout(d.typingTimer);
    const visible = d.id === app.selectedId && !document.hidden;
    if (live && !visible && m.seq > (app.readMarks[d.id] || 0)) d.unread++;
  }
  if (d.id === app.selectedId && !document.hidden) markRead(d);
  renderDialogList();
  if (d.id === app.selectedId && m.from === 'system') renderConversation();
}

const firstLine = t => String(t || '').trim().split('\n')[0].trim().slice(0, 200);

export function onAck(a) {
  outbox.ack(a.clientMsgId);
  const d = dialogs.get(a.dialogId), node = d && d.byCid.get(a.clientMsgId);
  if (!node) return;
  if (node.dataset.state !== 'sent') { node._at = a.at; setState(node, 'sent'); }
  if (!node.dataset.seq && typeof a.seq === 'number') { node.dataset.seq = a.seq; place(d, node, a.seq); }
  if (isEmail(d)) showAnswerFiles(d);
  // The agent's own reply, acknowledged: the person is answered (the echo may come later, or not at all).
  if (typeof a.seq === 'number' && a.seq > (d.countedUpTo || 0)) {
    d.countedUpTo = a.seq;
    d.summary.waitingSince = null;
    d.summary.preview = firstLine(node.querySelector('.text') && node.querySelector('.text').textContent);
    renderDialogList();
  }
}


// Shows unacknowledged messages of a dialog (e.g. from before a reload) and sends what is not in flight.
export function flush() {
  outbox.items.forEach(i => {
    const d = dialogs.get(i.dialogId);
    if (d && !d.byCid.has(i.id)) {
      const node = makeMsg(d, { from: 'agent', text: i.text, at: i.at, agentName: app.me && app.me.displayName,
        clientMsgId: i.id });
      setState(node, 'sending');
      d.byCid.set(i.id, node);
      place(d, node);
    }
  });
  if (!app.conn.ready) return;
  outbox.flush(i => {
    const d = dialogs.get(i.dialogId);
    return !(d && d.log.resuming);
  });
}

// An e-mail answer's picked files are uploaded first, under the answer's client id; when one is refused the answer
// stays in the box (and its files picked) to be sent again.
let uploading = false;
export async function submitReply() {
  const d = dialogs.get(app.selectedId);
  const text = el.reply.value.trim();
  if (!d || !text || !canWrite(d) || uploading) return;
  let id = uid();
  if (isEmail(d)) {
    uploading = true;
    el.send.disabled = true;
    try {
      const upload = await uploadPicked(d, id);
      if (!upload.ok) return;
      id = upload.id;
    } finally {
      uploading = false;
      renderConversation();
    }
  }
  el.reply.value = '';
  stopTyping();
  outbox.add({ id, dialogId: d.id, text: text.slice(0, MAX_TEXT), at: new Date().toISOString() });
  flush();
  d.list.scrollTop = d.list.scrollHeight;
}

el.replyForm.addEventListener('submit', e => { e.preventDefault(); submitReply(); });
el.reply.addEventListener('keydown', e => {
  if (cannedKey(e)) return;
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submitReply(); }
});
el.closeDialog.addEventListener('click', () => {
  const d = dialogs.get(app.selectedId);
  if (!d || !canWrite(d)) return;
  stopTyping();
  openCloseModal(d, 'close');
});
el.classifyDialog.addEventListener('click', () => {
  const d = dialogs.get(app.selectedId);
  if (needsClass(d)) openCloseModal(d, 'classify');
});
el.removeDialog.addEventListener('click', () => removeDialog(app.selectedId));
el.presence.addEventListener('change', () => {
  app.chosenPresence = el.presence.value;
  save('sessionStorage', 'presence', app.chosenPresence);
  send({ type: 'presence', status: app.chosenPresence });
});
document.addEventListener('visibilitychange', () => {
  const d = dialogs.get(app.selectedId);
  if (!document.hidden && d) { markRead(d); renderDialogList(); }
});

/* ------------------------------------------------------------ typing */

let typingOn = false, typingDialog = null, typingSentAt = 0, typingIdle = 0;

el.reply.addEventListener('input', () => {
  const d = dialogs.get(app.selectedId);
  if (!d || !canWrite(d) || !app.conn.ready) return;
  const now = Date.now();
  if (!typingOn || typingDialog !== d.id || now - typingSentAt >= 2000) {
    typingOn = send({ type: 'typing', dialogId: d.id, typing: true });
    typingDialog = d.id;
    typingSentAt = now;
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, 3000);
});

// quiet: the socket is gone, nothing can be sent
export function stopTyping(quiet) {
  clearTimeout(typingIdle);
  if (typingOn && typingDialog && !quiet) send({ type: 'typing', dialogId: typingDialog, typing: false });
  typingOn = false;
}

export function onTyping(f) {
  const d = dialogs.get(f.dialogId);
  if (!d || f.from !== 'visitor') return;
  clearTimeout(d.typingTimer);
  d.visitorTyping = !!f.typing;
  if (d.visitorTyping) {
    d.typingTimer = setTimeout(() => { d.visitorTyping = false; renderDialogList(); renderTyping(); }, 5000);
  }
  renderDialogList();
  renderTyping();
}

export function renderTyping() {
  const d = dialogs.get(app.selectedId);
  el.typing.textContent = d && d.visitorTyping ? (d.summary.visitorName || VISITOR) + ' печатает…' : '';
}

