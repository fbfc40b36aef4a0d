// The rating of a closed dialog: one to five stars and a comment, once per dialog (the dialogs rated here are kept in
// the page's storage, the last 20).
import { uid } from '../shared/protocol.js';
import { T, save, loadJson } from './env.js';
import { send } from './session.js';

// the closed dialog the box is for; the pending rating's ref; dialogs rated here
let rtFor = null, rtRef = null, rated, rtBox, rtForm, rtErr, rtDone, stars;

export function initRating($) {
  const rtComment = $('rt-comment');
  rtBox = $('rating'); rtForm = $('rt-form'); rtErr = $('rt-error'); rtDone = $('rt-done');
  stars = [...rtForm.querySelectorAll('input')];
  rated = loadJson('localStorage', 'rated', []);
  rtForm.addEventListener('change', () => { rtErr.textContent = ''; showStars(); });
  rtForm.addEventListener('submit', e => {
    e.preventDefault();
    const star = stars.find(i => i.checked), comment = rtComment.value.trim(), ref = 'rt-' + uid();
    if (!star) { rtErr.textContent = T.rtPick; return void stars[0].focus(); }
    const f = { type: 'rate', dialogId: rtFor, rating: +star.value, ref };
    if (comment) f.comment = comment.slice(0, 1000);
    if (!rtFor || !send(f)) return void (rtErr.textContent = T.trFail + T.offline);
    rtRef = ref;
    rtErr.textContent = '';
  });
}

/** The box under a closed dialog (none: hidden); another one starts it afresh, or says it was rated here. */
export function ratingFor(closedId) {
  if (closedId !== rtFor) {
    rtFor = closedId;
    rtRef = null;
    rtForm.reset();
    showStars();
    rtErr.textContent = '';
    rtForm.hidden = rated.includes(closedId);
    rtDone.hidden = !rtForm.hidden;
    rtDone.textContent = T.rtDone;
  }
  rtBox.hidden = !closedId;
}

function showStars() {
  const v = +(stars.find(i => i.checked) || {}).value || 0;
  stars.forEach(i => { i.parentNode.toggleAttribute('data-on', +i.value <= v); });
}

function ratedDone(id, text) {
  rtRef = null;
  if (id && !rated.includes(id)) { rated = rated.concat(id).slice(-20); save('localStorage', 'rated', JSON.stringify(rated)); }
  rtErr.textContent = '';
  rtForm.hidden = true;
  rtDone.textContent = text;
  rtDone.hidden = false;
}

/** A frame with the pending rating's ref (rated or an error) is its answer, said in the box (true). */
export function ratingAnswer(f) {
  if (!f.ref || f.ref !== rtRef) return false;
  rtRef = null;
  // FORBIDDEN means rated already (the box shows only for a closed dialog of ours)
  if (f.type === 'rated') ratedDone(f.dialogId, T.rtDone);
  else if (f.code === 'FORBIDDEN') ratedDone(rtFor, T.rtAgain);
  else rtErr.textContent = T.trFail + (f.message || f.code);
  return true;
}
