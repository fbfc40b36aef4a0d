// The message box and its buttons: send (the button or Enter), attach a file, close the dialog.
import { uid } from '../shared/protocol.js';
import { MAX_TEXT } from './env.js';
import { dialog, isOpen, outbox, send, flush, adoptNone } from './session.js';
import { renderOutbox } from './messages.js';
import { attach } from './files.js';
import { onInput, stopTyping } from './typing.js';

export let input, closeBtn, attBtn;

export function initComposer($) {
  const fileIn = $('file');
  input = $('input'); closeBtn = $('close-dialog'); attBtn = $('attach');
  closeBtn.addEventListener('click', () => {
    if (isOpen()) { stopTyping(); send({ type: 'close', dialogId: dialog.dialogId, ref: 'close' }); }
  });
  $('chat-form').addEventListener('submit', e => { e.preventDefault(); submit(); });
  attBtn.addEventListener('click', () => fileIn.click());
  fileIn.addEventListener('change', () => { const f = fileIn.files[0]; fileIn.value = ''; if (f && isOpen()) attach(f); });
  input.addEventListener('input', onInput);
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
}

/** The message box's text goes to the outbox (a closed dialog gives way to a new one) and is sent when it can be. */
function submit() {
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  stopTyping();
  if (dialog && !isOpen()) adoptNone();
  const item = { id: uid(), dialogId: isOpen() ? dialog.dialogId : null, text: text.slice(0, MAX_TEXT), at: new Date().toISOString() };
  outbox.add(item);
  renderOutbox();
  flush();
}
