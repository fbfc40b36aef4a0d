// The offline form (out of hours, everyone busy, nobody online): filled in from what the page and the visitor gave,
// checked before sending (form.js), posted to /api/offline-forms once under its clientFormId. And the line as the
// gateway last told it ({open, agentsOnline, nextOpening}), with the notice shown while nobody of the line is online
// in working hours: leave a question in the form, or wait.
import { uid } from '../shared/protocol.js';
import { SITE, LANG, T, gateway } from './env.js';
import { FORM_FIELDS, checkForm, formFailure, fieldError } from './form.js';
import { nextOpeningText, nobodyOnline } from './view.js';
import { contact } from './host-api.js';
import { dialog, token } from './session.js';
import { list } from './messages.js';
import { input } from './composer.js';
import { update } from './status.js';

export let line = null;
export let off, offForm, nb;
export let nbWait = false;    // the visitor chose to wait while nobody is online (the notice folds away)
let offWhy = null;            // why the form was offered: hours, busy, nobody
let formBusy = false, offReason, offError, offDone, offSubmit, offHide, formId = null, errOf;

export const field = n => offForm.elements[n];

export function initOfflineForm($) {
  off = $('offline'); offForm = $('off-form'); offReason = $('off-reason'); offError = $('off-error');
  offDone = $('off-done'); offSubmit = $('off-submit'); offHide = $('off-hide');
  errOf = n => $('err-' + n);
  offForm.addEventListener('submit', e => { e.preventDefault(); sendForm(); });
  offHide.addEventListener('click', () => { off.hidden = true; if (offWhy === 'nobody') nbWait = true; input.focus(); update(); });
  nb = $('nobody');
  $('nb-form').addEventListener('click', () => { showOffline('nobody'); field('name').focus(); });
  $('nb-wait').addEventListener('click', () => { nbWait = true; input.focus(); update(); });
  $('off-back').addEventListener('click', () => { off.hidden = true; input.focus(); update(); });
}

// Nobody online again brings the notice back; someone coming online folds a form that was offered only because
// nobody was (what was typed in it stays).
export function setLine(l) {
  const was = nobodyOnline(line);
  line = l;
  if (nobodyOnline(line) && !was) nbWait = false;
  if (!nobodyOnline(line) && was && offWhy === 'nobody') giveWay();
}

/** Someone answers after all: the form gives way to the chat (what was typed in it stays). */
export function giveWay() {
  if (!off.hidden && !offForm.hidden && !formBusy) off.hidden = true;
}

export function showOffline(reason) {
  let text = reason === 'hours' ? T.offHours : reason === 'nobody' ? T.offNobody : T.offBusy;
  offWhy = reason;
  offHide.textContent = reason === 'nobody' ? T.fWait : T.fHide;
  const at = line && line.open === false && nextOpeningText(line.nextOpening, new Date(), LANG);
  if (reason === 'hours' && at) text += ' ' + T.opens(at);
  offReason.textContent = text;
  if (off.hidden) {
    if (!formId) formId = 'f-' + uid();
    if (!field('name').value && contact.name) field('name').value = contact.name;
    if (!field('email').value && contact.email) field('email').value = contact.email;
    if (!field('question').value) field('question').value = typedQuestion();
    off.hidden = false;
    offForm.hidden = false;
    offDone.hidden = true;
  }
  update();
}

// What the visitor already asked in the chat: the messages they sent in this dialog, else the message box.
function typedQuestion() {
  const sent = [...list.querySelectorAll('.msg[data-from=visitor] .text')].map(t => t.textContent.trim()).filter(Boolean);
  return (sent.length ? sent.join('\n') : input.value.trim()).slice(0, 4000);
}

function setErrors(errors) {
  FORM_FIELDS.forEach(n => {
    const msg = fieldError(errors, n, T, LANG);
    errOf(n).textContent = msg;
    field(n).setAttribute('aria-invalid', msg ? 'true' : 'false');
  });
  const first = FORM_FIELDS.find(n => errors[n]);
  if (first) field(first).focus();
}

async function sendForm() {
  if (formBusy) return;
  const v = n => field(n).value.trim();
  const body = {
    site: SITE, name: v('name'), email: v('email') || null, phone: v('phone') || null, question: v('question'),
    consent: field('consent').checked, clientFormId: formId
  };
  if (dialog) { body.dialogId = dialog.dialogId; body.visitorToken = token; }
  offError.textContent = '';
  const local = checkForm(body, T);
  setErrors(local);
  if (local.email && !body.email && !body.phone) field('phone').setAttribute('aria-invalid', 'true');
  if (Object.keys(local).length) return void (offError.textContent = T.fFix);
  formBusy = true;
  offSubmit.disabled = true;
  offSubmit.textContent = T.fSending;
  let r = null, problem = {};
  try {
    r = await fetch(gateway('/api/offline-forms'), {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body)
    });
    try { problem = await r.json(); } catch (e) { /* no body */ }
  } catch (e) { /* network */ }
  formBusy = false;
  offSubmit.disabled = false;
  offSubmit.textContent = T.fSend;
  if (r && r.status === 201) {
    formId = null;
    offForm.reset();
    offForm.hidden = true;
    offDone.hidden = false;
    offDone.focus();
    return;
  }
  const failure = formFailure(r ? r.status : null, problem, T);
  if (failure.fields) setErrors(failure.fields);
  offError.textContent = failure.message;
  if (failure.newId) formId = 'f-' + uid();
}
