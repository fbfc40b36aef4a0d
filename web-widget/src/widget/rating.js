// The rating box under a closed dialog: one to five stars and a comment, once per dialog (the dialogs rated here
// are remembered, the last twenty).
import { uid as newId } from '../shared/protocol.js';

/** els: box, form, stars (the radio inputs), comment, error, done. keep(rated) stores the list of rated dialogs. */
export function ratingBox({ els, T, send, rated: initial, keep, uid = newId }) {
  const { box, form, stars, comment, error, done } = els;
  let ref = null, dialogId = null, rated = initial || [];

  function showStars() {
    const v = +(stars.find(i => i.checked) || {}).value || 0;
    stars.forEach(i => { i.parentNode.toggleAttribute('data-on', +i.value <= v); });
  }

  function ratedDone(id, text) {
    ref = null;
    if (id && !rated.includes(id)) { rated = rated.concat(id).slice(-20); keep(rated); }
    error.textContent = '';
    form.hidden = true;
    done.textContent = text;
    done.hidden = false;
  }

  /** The closed dialog shown (null: none): another one starts the box afresh, or says it was rated already. */
  function forClosed(id) {
    if (id !== dialogId) {
      dialogId = id;
      ref = null;
      form.reset();
      showStars();
      error.textContent = '';
      form.hidden = rated.includes(id);
      done.hidden = !form.hidden;
      done.textContent = T.rtDone;
    }
    box.hidden = !id;
  }

  function submit() {
    const star = stars.find(i => i.checked), text = comment.value.trim(), next = 'rt-' + uid();
    if (!star) { error.textContent = T.rtPick; return void stars[0].focus(); }
    const f = { type: 'rate', dialogId, rating: +star.value, ref: next };
    if (text) f.comment = text.slice(0, 1000);
    if (!dialogId || !send(f)) return void (error.textContent = T.trFail + T.offline);
    ref = next;
    error.textContent = '';
  }

  /** `rated` for our request. */
  function onRated(f) {
    if (f.ref && f.ref === ref) ratedDone(f.dialogId, T.rtDone);
  }

  /** An error frame answering our request (FORBIDDEN: rated already, elsewhere); true when it was ours. */
  function onError(e) {
    if (!e.ref || e.ref !== ref) return false;
    ref = null;
    if (e.code === 'FORBIDDEN') ratedDone(dialogId, T.rtAgain);
    else error.textContent = T.trFail + (e.message || e.code);
    return true;
  }

  form.addEventListener('change', () => { error.textContent = ''; showStars(); });
  form.addEventListener('submit', e => { e.preventDefault(); submit(); });
  return { forClosed, onRated, onError };
}
