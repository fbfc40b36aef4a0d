// One message of the dialog as an element: who wrote it, its text (links made, never HTML), a file's link, and the
// meta line with its time and how its sending goes (own messages: sending, sent, failed).
import { linkify } from '../shared/dom.js';
import { messageView } from './view.js';

/** The time of a message as hours and minutes in the visitor's language; '' for no time. */
export function timeOf(at, lang) {
  const d = new Date(at || Date.now());
  return isNaN(d) ? '' : d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

function div(doc, cls, parent) {
  const d = doc.createElement('div');
  d.className = cls;
  if (parent) parent.append(d);
  return d;
}

/** Writes the meta line: the time, and extra after a dot. */
export function setMeta(el, lang, extra) {
  el.lastChild.textContent = timeOf(el._at, lang) + (extra ? ' · ' + extra : '');
}

/** The sending state of an own message, shown on its meta line (a failure with its reason). */
export function setState(el, state, T, lang, err) {
  el.dataset.state = state;
  setMeta(el, lang, state === 'sending' ? T.sending : state === 'failed' ? T.failed + (err ? ': ' + err : '') : '');
}

/**
 * The element of a `message` frame (or of an own message not acknowledged yet). closed: the line is out of hours;
 * nobody: nobody of it is online; file(el, m): adds the link of a file message.
 */
export function messageEl(doc, m, { T, lang, closed, nobody, file }) {
  const el = div(doc, 'msg');
  const v = messageView(m, T, closed, nobody);
  el.dataset.from = v.from;
  if (v.name) div(doc, 'name', el).textContent = v.name;
  const text = div(doc, 'text', el);
  if (v.from === 'system') text.textContent = v.text; else linkify(text, v.text);
  div(doc, 'meta', el);
  if (m.event === 'file') file(el, m);
  el._at = m.at;
  if (m.from === 'visitor') setState(el, 'sent', T, lang); else setMeta(el, lang);
  return el;
}
