// The transcript box: a copy of the dialog mailed to the visitor, once, to the address given while the dialog is
// shown (given while it is open, the copy follows when it ends).
import { uid as newId } from '../shared/protocol.js';

/** els: box, form, email, error, done. send(frame) is false when the socket is down. */
export function transcriptBox({ els, T, send, uid = newId }) {
  const { box, form, email, error, done } = els;
  let ref = null, dialogId = null;

  /** The dialog shown (null: none): another one starts the box afresh, the contact's address filled in. */
  function forDialog(id, contactEmail) {
    if (id !== dialogId) {
      dialogId = id; ref = null;
      error.textContent = ''; done.hidden = true; email.removeAttribute('aria-invalid');
      if (!email.value && contactEmail) email.value = contactEmail;
    }
    box.hidden = !id;
  }

  function submit() {
    const to = email.value.trim();
    done.hidden = true;
    email.removeAttribute('aria-invalid');
    if (!to) { error.textContent = T.trEmpty; email.setAttribute('aria-invalid', 'true'); return void email.focus(); }
    const next = 'tr-' + uid();
    if (!dialogId || !send({ type: 'transcript', dialogId, email: to, ref: next })) return void (error.textContent = T.trFail + T.offline);
    ref = next;
    error.textContent = '';
    done.textContent = T.trDone(to);
  }

  /** `transcript_queued` for our request: the confirmation shows. */
  function onQueued(f) {
    if (f.ref && f.ref === ref) { ref = null; done.hidden = false; }
  }

  /** An error frame answering our request; true when it was ours. */
  function onError(e) {
    if (!e.ref || e.ref !== ref) return false;
    ref = null;
    done.hidden = true;
    error.textContent = e.code === 'INVALID_FIELD' ? T.trBad : T.trFail + (T.err[e.code] || e.message || e.code);
    if (e.code === 'INVALID_FIELD') { email.setAttribute('aria-invalid', 'true'); email.focus(); }
    return true;
  }

  form.addEventListener('submit', e => { e.preventDefault(); submit(); });
  return { forDialog, onQueued, onError };
}
