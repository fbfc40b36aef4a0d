// A copy of the dialog mailed to the visitor: once, to the one address given in the dialog before it ended (it may be
// given while the dialog is open: the copy follows when it ends).
import { uid } from '../shared/protocol.js';
import { T } from './env.js';
import { errorText } from './view.js';
import { contact } from './host-api.js';
import { send } from './session.js';

// the dialog the box is for; the pending request's ref
let trDlg = null, trRef = null, trBox, trEmail, trErr, trDone;

export function initTranscript($) {
  trBox = $('transcript'); trEmail = $('tr-email'); trErr = $('tr-error'); trDone = $('tr-done');
  $('tr-form').addEventListener('submit', e => {
    e.preventDefault();
    const email = trEmail.value.trim();
    trDone.hidden = true;
    trEmail.removeAttribute('aria-invalid');
    if (!email) { trErr.textContent = T.trEmpty; trEmail.setAttribute('aria-invalid', 'true'); return void trEmail.focus(); }
    const ref = 'tr-' + uid();
    if (!trDlg || !send({ type: 'transcript', dialogId: trDlg, email, ref })) return void (trErr.textContent = T.trFail + T.offline);
    trRef = ref;
    trErr.textContent = '';
    trDone.textContent = T.trDone(email);
  });
}

/** The box under the current dialog (none: hidden); another dialog starts it afresh, with the page's address. */
export function transcriptFor(dId) {
  if (dId !== trDlg) {
    trDlg = dId; trRef = null;
    trErr.textContent = ''; trDone.hidden = true; trEmail.removeAttribute('aria-invalid');
    if (!trEmail.value && contact.email) trEmail.value = contact.email;
  }
  trBox.hidden = !dId;
}

/** A frame with the pending request's ref (transcript_queued or an error) is its answer, said in the box (true). */
export function transcriptAnswer(f) {
  if (!f.ref || f.ref !== trRef) return false;
  trRef = null;
  trDone.hidden = f.type === 'error';
  if (f.type === 'error') trErr.textContent = f.code === 'INVALID_FIELD' ? T.trBad : T.trFail + errorText(f, T);
  if (f.code === 'INVALID_FIELD') { trEmail.setAttribute('aria-invalid', 'true'); trEmail.focus(); }
  return true;
}
