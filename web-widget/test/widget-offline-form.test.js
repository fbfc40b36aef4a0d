import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offlineForm, askedQuestion } from '../src/widget/offline-form.js';
import { FORM_FIELDS } from '../src/widget/form.js';
import { TEXTS } from '../src/widget/i18n.js';
import { fakeDocument, fakeFetch, settle } from './fakes.js';

const RU = TEXTS.ru;

function setUp({ answers = [{ status: 201, body: {} }], context = {}, question = 'Когда экзамен?' } = {}) {
  const doc = fakeDocument(), el = () => doc.createElement('div');
  const form = el(), errors = {};
  form.elements = {};
  FORM_FIELDS.forEach(n => { form.elements[n] = doc.createElement('input'); errors[n] = el(); });
  const els = { off: el(), form, reason: el(), error: el(), done: el(), submit: el(), hide: el(), back: el(), errorOf: n => errors[n] };
  els.off.hidden = true;
  const fetch = fakeFetch(answers), seen = { changed: 0, hidden: [] };
  let n = 0;
  const ctx = Object.assign({ contact: {}, dialog: null, token: null, line: null }, context);
  const f = offlineForm({
    els, T: RU, lang: 'ru', site: 'lab520', url: 'https://gw/api/offline-forms', fetch, uid: () => 'u' + ++n,
    now: () => new Date('2026-12-07T05:00:00Z'), context: () => ctx, question: () => question,
    changed: () => seen.changed++, hidden: why => seen.hidden.push(why)
  });
  const fill = v => Object.entries(v).forEach(([k, x]) => { form.elements[k][k === 'consent' ? 'checked' : 'value'] = x; });
  return { f, els, form, errors, fetch, seen, fill, doc };
}

test('the question asked in the chat fills the form, else what is typed, cut to 4000', () => {
  assert.equal(askedQuestion([' Когда экзамен? ', '', 'И где?'], 'черновик'), 'Когда экзамен?\nИ где?');
  assert.equal(askedQuestion([], ' черновик '), 'черновик');
  assert.equal(askedQuestion(['x'.repeat(5000)], '').length, 4000);
});

test('out of hours the form says when the line opens and is filled from the contact and the chat', () => {
  const { f, els, form, seen } = setUp({ context: { contact: { name: 'Анна', email: 'a@example.org' },
    line: { open: false, nextOpening: '2026-12-07T09:00:00+03:00' } } });
  f.show('hours');
  assert.equal(els.off.hidden, false);
  assert.equal(f.shown, true);
  assert.equal(els.reason.textContent, RU.offHours + ' ' + RU.opens('сегодня с 09:00'));
  assert.equal(els.hide.textContent, RU.fHide);
  assert.equal(form.elements.name.value, 'Анна');
  assert.equal(form.elements.email.value, 'a@example.org');
  assert.equal(form.elements.question.value, 'Когда экзамен?');
  assert.equal(seen.changed, 1);
});

test('offered because nobody is online, hiding it means waiting; «back» is no choice', () => {
  const { f, els, seen } = setUp();
  f.show('nobody');
  assert.equal(els.reason.textContent, RU.offNobody);
  assert.equal(els.hide.textContent, RU.fWait);
  els.hide.click();
  assert.equal(els.off.hidden, true);
  f.show('busy');
  assert.equal(els.reason.textContent, RU.offBusy);
  els.back.click();
  assert.deepEqual(seen.hidden, ['nobody', null]);
});

test('a form offered for nobody online gives way when someone comes online, not one offered for the hours', () => {
  const { f, els } = setUp();
  f.show('hours');
  f.giveWay('nobody');
  assert.equal(els.off.hidden, false);
  f.giveWay();
  assert.equal(els.off.hidden, true);
  f.show('nobody');
  f.giveWay('nobody');
  assert.equal(els.off.hidden, true);
});

test('missing fields are named beside them and nothing is sent', async () => {
  const { f, els, errors, form, fetch, doc } = setUp({ question: '' });
  f.show('busy');
  await f.send();
  assert.equal(fetch.calls.length, 0);
  assert.equal(els.error.textContent, RU.fFix);
  assert.equal(errors.name.textContent, RU.fe.name || 'Укажите имя');
  assert.equal(errors.email.textContent, RU.fOne);
  assert.equal(form.elements.phone.getAttribute('aria-invalid'), 'true', 'e-mail or phone: both marked');
  assert.equal(doc.activeElement, form.elements.name, 'the first wrong field has the focus');
});

test('a complete form is posted once with its id and the dialog, and a 201 shows the thanks', async () => {
  const { f, els, form, fetch, fill, doc } = setUp({ context: { dialog: { dialogId: 'd1' }, token: 'tk' } });
  f.show('busy');
  fill({ name: ' Анна ', phone: '+79270000000', consent: true });
  const sending = f.send();
  assert.equal(els.submit.disabled, true);
  assert.equal(els.submit.textContent, RU.fSending);
  await f.send();   // a second click while it goes sends nothing
  await sending;
  assert.equal(fetch.calls.length, 1);
  assert.deepEqual(JSON.parse(fetch.calls[0].init.body), {
    site: 'lab520', name: 'Анна', email: null, phone: '+79270000000', question: 'Когда экзамен?', consent: true,
    clientFormId: 'f-u1', dialogId: 'd1', visitorToken: 'tk'
  });
  assert.equal(fetch.calls[0].init.method, 'POST');
  assert.equal(els.submit.disabled, false);
  assert.equal(els.submit.textContent, RU.fSend);
  assert.equal(form.resets, 1);
  assert.equal(form.hidden, true);
  assert.equal(els.done.hidden, false);
  assert.equal(doc.activeElement, els.done);
});

test('a 400 naming fields shows them; a plain 400 sends the next try under a new id; the network says so', async () => {
  const { f, els, errors, fetch, fill } = setUp({ answers: [
    { status: 400, body: { errors: { email: 'Неверный адрес' } } },
    { status: 400, body: { detail: 'Слишком длинный вопрос' } },
    new TypeError('offline')] });
  f.show('busy');
  fill({ name: 'Анна', email: 'a@', consent: true });
  await f.send();
  assert.equal(errors.email.textContent, 'Неверный адрес');
  assert.equal(els.error.textContent, RU.fFix);
  await f.send();
  assert.equal(els.error.textContent, 'Слишком длинный вопрос');
  await f.send();
  assert.equal(els.error.textContent, RU.fNet);
  const ids = fetch.calls.map(c => JSON.parse(c.init.body).clientFormId);
  assert.deepEqual(ids, ['f-u1', 'f-u1', 'f-u2']);
});

test('the submit event sends the form without reloading the page', async () => {
  const { form, fetch, fill, f } = setUp();
  f.show('busy');
  fill({ name: 'Анна', email: 'a@example.org', consent: true });
  const ev = form.fire('submit');
  await settle();
  assert.equal(ev.defaultPrevented, true);
  assert.equal(fetch.calls.length, 1);
});
