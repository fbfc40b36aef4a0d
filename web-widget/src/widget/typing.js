// Typing both ways: the visitor's (a typing frame at most every 2 s while they type, off after 3 s idle or when
// they send) and the agent's (shown with their name, gone after 5 s without news).

/**
 * el: the line that shows the agent typing. dialog() is the current dialog summary or null, open() whether it is
 * open, ready() whether the socket is; send(frame) is false when it is down. timers: setTimeout, clearTimeout, now.
 */
export function typing({ el, T, send, dialog, open, ready, timers }) {
  const { setTimeout, clearTimeout, now } = timers;
  let on = false, sentAt = 0, idle = 0, hideAt = 0;

  /** The visitor typed in the message box. */
  function input() {
    if (!open() || !ready()) return;
    const t = now();
    if (!on || t - sentAt >= 2000) {
      on = send({ type: 'typing', dialogId: dialog().dialogId, typing: true });
      sentAt = t;
    }
    clearTimeout(idle);
    idle = setTimeout(stop, 3000);
  }

  /** The visitor stopped (idle, sent, closed): the agent is told once. */
  function stop() {
    clearTimeout(idle);
    if (on && dialog()) send({ type: 'typing', dialogId: dialog().dialogId, typing: false });
    on = false;
  }

  /** The agent's typing frame. */
  function show(typingNow, name) {
    clearTimeout(hideAt);
    if (!typingNow) return hide();
    const d = dialog();
    el.textContent = T.typing(name || (d && d.agentName) || T.agent);
    hideAt = setTimeout(hide, 5000);
  }

  function hide() {
    clearTimeout(hideAt);
    el.textContent = '';
  }

  /** The socket is gone: nothing is typing any more on either side. */
  function lost() {
    on = false;
    hide();
  }

  return { input, stop, show, hide, lost };
}
