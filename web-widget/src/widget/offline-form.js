// The offline form in the panel (regulation: a question left when nobody can answer): why it is offered, what it
// is filled with, the POST to /api/offline-forms and what its answer shows. The rules without the DOM: form.js.
import { FORM_FIELDS, checkForm, formFailure, fieldError } from './form.js';
import { nextOpeningText } from './view.js';

/** What the visitor already asked: the messages they sent in this dialog, else what is in the message box. */
export function askedQuestion(sent, typed) {
  const texts = sent.map(t => t.trim()).filter(Boolean);
  return (texts.length ? texts.join('\n') : typed.trim()).slice(0, 4000);
}

/**
 * els: off (the section), form, reason, error, done, submit, hide, back, errorOf(field). context() gives
 * {contact, dialog, token, line}; question() what the visitor asked; changed() after the form shows or hides;
 * hidden(why) after the visitor hides it (why it was offered, null from «back»).
 */
export function offlineForm({ els, T, lang, site, url, fetch, uid, now, context, question, changed, hidden }) {
  const { off, form, reason: reasonEl, error, done, submit, hide, back, errorOf } = els;
  const field = n => form.elements[n];
  let formId = null, busy = false, why = null;

  function show(reason) {
    let text = reason === 'hours' ? T.offHours : reason === 'nobody' ? T.offNobody : T.offBusy;
    why = reason;
    hide.textContent = reason === 'nobody' ? T.fWait : T.fHide;
    const { contact, line } = context();
    const at = line && line.open === false && nextOpeningText(line.nextOpening, now(), lang);
    if (reason === 'hours' && at) text += ' ' + T.opens(at);
    reasonEl.textContent = text;
    if (off.hidden) {
      if (!formId) formId = 'f-' + uid();
      if (!field('name').value && contact.name) field('name').value = contact.name;
      if (!field('email').value && contact.email) field('email').value = contact.email;
      if (!field('question').value) field('question').value = question();
      off.hidden = false;
      form.hidden = false;
      done.hidden = true;
    }
    changed();
  }

  /** An agent answers after all (or, offered for nobody online, someone came online): the form gives way to the
   *  chat unless it is being sent; what was typed in it stays. */
  function giveWay(onlyIfWhy) {
    if (onlyIfWhy && why !== onlyIfWhy) return;
    if (!off.hidden && !form.hidden && !busy) off.hidden = true;
  }

  function setErrors(errors) {
    FORM_FIELDS.forEach(n => {
      const msg = fieldError(errors, n, T, lang);
      errorOf(n).textContent = msg;
      field(n).setAttribute('aria-invalid', msg ? 'true' : 'false');
    });
    const first = FORM_FIELDS.find(n => errors[n]);
    if (first) field(first).focus();
  }

  async function send() {
    if (busy) return;
    const v = n => field(n).value.trim();
    const body = {
      site, name: v('name'), email: v('email') || null, phone: v('phone') || null, question: v('question'),
      consent: field('consent').checked, clientFormId: formId
    };
    const { dialog, token } = context();
    if (dialog) { body.dialogId = dialog.dialogId; body.visitorToken = token; }
    error.textContent = '';
    const local = checkForm(body, T);
    setErrors(local);
    if (local.email && !body.email && !body.phone) field('phone').setAttribute('aria-invalid', 'true');
    if (Object.keys(local).length) return void (error.textContent = T.fFix);
    busy = true;
    submit.disabled = true;
    submit.textContent = T.fSending;
    let r = null, problem = {};
    try {
      r = await fetch(url, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body)
      });
      try { problem = await r.json(); } catch (e) { /* no body */ }
    } catch (e) { /* network */ }
    busy = false;
    submit.disabled = false;
    submit.textContent = T.fSend;
    if (r && r.status === 201) {
      formId = null;
      form.reset();
      form.hidden = true;
      done.hidden = false;
      done.focus();
      return;
    }
    const failure = formFailure(r ? r.status : null, problem, T);
    if (failure.fields) setErrors(failure.fields);
    error.textContent = failure.message;
    if (failure.newId) formId = 'f-' + uid();
  }

  form.addEventListener('submit', e => { e.preventDefault(); send(); });
  hide.addEventListener('click', () => { off.hidden = true; hidden(why); });
  back.addEventListener('click', () => { off.hidden = true; hidden(null); });

  return {
    show, send, giveWay, field,
    get shown() { return !off.hidden; }
  };
}
