// The dialog's messages as elements in the list: each from its frame (system events in the widget's words, links
// made clickable, never innerHTML), in seq order, an own message marked sending / sent / failed with its time.
import { linkify, placeBySeq } from '../shared/dom.js';
import { LANG, T } from './env.js';
import { messageView, nobodyOnline } from './view.js';
import { isCurrent, outbox } from './session.js';
import { line } from './offline-form.js';
import { fileLink } from './files.js';
import { hideTyping } from './typing.js';
import { panelOpen, unread, readMark, setUnread, markRead } from './panel.js';

export let list;
export let byCid = new Map(); // clientMsgId -> element of an own message

export function initMessages($) {
  list = $('messages');
}

export function clearMessages() {
  byCid = new Map();
  list.textContent = '';
}

export function div(cls, parent) {
  const d = document.createElement('div');
  d.className = cls;
  if (parent) parent.append(d);
  return d;
}

function timeOf(at) {
  const d = new Date(at || Date.now());
  return isNaN(d) ? '' : d.toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit' });
}

export function makeMsg(m) {
  const el = div('msg');
  const v = messageView(m, T, !!line && line.open === false, nobodyOnline(line));
  el.dataset.from = v.from;
  if (v.name) div('name', el).textContent = v.name;
  const text = div('text', el);
  if (v.from === 'system') text.textContent = v.text; else linkify(text, v.text);
  div('meta', el);
  if (m.event === 'file') fileLink(el, m);
  el._at = m.at;
  if (m.from === 'visitor') setState(el, 'sent'); else setMeta(el);
  return el;
}

function setMeta(el, extra) {
  el.lastChild.textContent = timeOf(el._at) + (extra ? ' · ' + extra : '');
}

export function setState(el, state, err) {
  el.dataset.state = state;
  setMeta(el, state === 'sending' ? T.sending : state === 'failed' ? T.failed + (err ? ': ' + err : '') : '');
}

export const place = (el, seq) => placeBySeq(list, el, seq);

/** The outbox's messages of this dialog (or of none yet) not in the list, as sending. */
export function renderOutbox() {
  outbox.items.forEach(i => {
    if (byCid.has(i.id) || (i.dialogId && !isCurrent(i))) return;
    const el = makeMsg({ from: 'visitor', text: i.text, at: i.at });
    setState(el, 'sending');
    byCid.set(i.id, el);
    place(el);
  });
}

/** A message frame of the current dialog: an own message already shown is marked sent, any other is added. */
export function showMessage(m) {
  let el = m.from === 'visitor' && m.clientMsgId && byCid.get(m.clientMsgId);
  if (el) {
    outbox.ack(m.clientMsgId);
    el._at = m.at;
    setState(el, 'sent');
    if (m.event === 'file') { el.firstChild.textContent = m.text; fileLink(el, m); }
  } else el = makeMsg(m);
  el.dataset.seq = m.seq;
  place(el, m.seq);
  if (m.from === 'agent') {
    hideTyping();
    if (!panelOpen && m.seq > readMark.s) setUnread(unread + 1);
  }
  markRead();
}

export function onAck(a) {
  outbox.ack(a.clientMsgId);
  const el = byCid.get(a.clientMsgId);
  if (!el) return;
  if (el.dataset.state !== 'sent') { el._at = a.at; setState(el, 'sent'); }
  if (!el.dataset.seq && typeof a.seq === 'number') { el.dataset.seq = a.seq; place(el, a.seq); }
}
