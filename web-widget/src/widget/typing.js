// Typing both ways: the visitor's (a typing frame at most every 2 s while they type, off after 3 s idle or when they
// send) and the agent's (shown with their name, gone after 5 s without news).
import { T } from './env.js';
import { conn, dialog, isOpen, send } from './session.js';

let typingEl, typingOn = false, typingSentAt = 0, typingIdle = 0, typingHide = 0;

export function initTyping($) {
  typingEl = $('typing');
}

/** The visitor typed in the message box. */
export function onInput() {
  if (!isOpen() || !conn.ready) return;
  const now = Date.now();
  if (!typingOn || now - typingSentAt >= 2000) {
    typingOn = send({ type: 'typing', dialogId: dialog.dialogId, typing: true });
    typingSentAt = now;
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, 3000);
}

/** The visitor stopped (idle, sent, closed the dialog): the agent is told once. */
export function stopTyping() {
  clearTimeout(typingIdle);
  if (typingOn && dialog) send({ type: 'typing', dialogId: dialog.dialogId, typing: false });
  typingOn = false;
}

/** The agent's typing frame. */
export function showTyping(on, name) {
  clearTimeout(typingHide);
  if (!on) return hideTyping();
  typingEl.textContent = T.typing(name || (dialog && dialog.agentName) || T.agent);
  typingHide = setTimeout(hideTyping, 5000);
}

export function hideTyping() {
  clearTimeout(typingHide);
  typingEl.textContent = '';
}

/** The socket is gone: nothing is typing any more on either side. */
export function typingLost() {
  typingOn = false;
  hideTyping();
}
