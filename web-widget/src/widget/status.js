// The panel drawn from the state after each change: the header's status, which buttons and boxes show, and the
// "state" event for the host page (emitted only when it changed).
import { T } from './env.js';
import { statusText, nobodyOnline } from './view.js';
import { emit } from './host-api.js';
import { conn, dialog, queue, isOpen } from './session.js';
import { list } from './messages.js';
import { root, panelOpen } from './panel.js';
import { input, closeBtn, attBtn } from './composer.js';
import { line, off, nb, nbWait } from './offline-form.js';
import { transcriptFor } from './transcript.js';
import { ratingFor } from './rating.js';

let statusEl, lastState = '';

export function initStatus($) {
  statusEl = $('status');
}

export function update() {
  const s = statusText({ ready: conn.ready, everReady: conn.everReady, line, dialog, queue }, T);
  if (statusEl.textContent !== s) statusEl.textContent = s;
  // A button that goes disabled drops the keyboard focus: hand it to the message box first.
  const noClose = !conn.ready || !isOpen();
  if (noClose && [closeBtn, attBtn].includes(root.activeElement)) input.focus();
  closeBtn.disabled = attBtn.disabled = noClose;
  transcriptFor(dialog ? dialog.dialogId : null);
  ratingFor(dialog && dialog.state === 'CLOSED' ? dialog.dialogId : null);
  list.hidden = !off.hidden && !dialog;
  nb.hidden = !conn.ready || !nobodyOnline(line) || nbWait || !off.hidden || !!dialog && dialog.state === 'ASSIGNED' && isOpen();
  const state = {
    connection: conn.ready ? 'online' : conn.everReady ? 'offline' : 'connecting',
    dialogId: dialog ? dialog.dialogId : null,
    dialogState: dialog ? dialog.state : null,
    agentName: dialog && dialog.agentName || null,
    queuePosition: queue && dialog && dialog.state === 'WAITING' ? queue.position : null,
    nobodyOnline: nobodyOnline(line),
    offlineForm: !off.hidden,
    panel: panelOpen ? 'open' : 'closed'
  };
  const json = JSON.stringify(state);
  if (json !== lastState) { lastState = json; emit('state', state); }
}
