import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultBox } from '../src/widget/result-box.js';
import { transcriptBox } from '../src/widget/transcript.js';
import { ratingBox } from '../src/widget/rating.js';
import { TEXTS } from '../src/widget/i18n.js';
import { FakeClock, fakeDocument } from './fakes.js';

const RU = TEXTS.ru;

function sender(up = true) {
  const s = f => { s.sent.push(f); return s.up; };
  s.sent = []; s.up = up;
  return s;
}
const ids = () => { let n = 0; return () => 'u' + ++n; };
const els = (doc, names) => Object.fromEntries(names.map(n => [n, doc.createElement('div')]));

function results() {
  const doc = fakeDocument(), clock = new FakeClock(), send = sender();
  const e = els(doc, ['box', 'title', 'text', 'buttons', 'error', 'done', 'yes', 'no']);
  e.box.hidden = true;
  const box = resultBox({ els: e, T: RU, send, uid: ids(), later: clock.setTimeout });
  return { box, e, send, clock };
}
const frame = (id, text) => ({ type: 'result', resultId: id, requestNumber: 'SR-1', text });

test('a result shows with its title and text as text, and «Да» sends the receipt once', () => {
  const { box, e, send } = results();
  box.onResult(frame('r-1', '<b>Справка</b> готова'));
  assert.equal(e.box.hidden, false);
  assert.equal(e.title.textContent, RU.rsTitle('SR-1'));
  assert.equal(e.text.textContent, '<b>Справка</b> готова');
  e.yes.click();
  e.no.click();
  assert.deepEqual(send.sent, [{ type: 'result_receipt', resultId: 'r-1', received: true, ref: 'rs-u1' }]);
  assert.equal(e.buttons.hidden, true);
});

test('the thanks follow the recorded answer, and the next result three seconds later', () => {
  const { box, e, clock } = results();
  box.onResult(frame('r-1', 'one'));
  e.no.click();
  box.onResult(frame('r-2', 'two'));
  assert.equal(e.text.textContent, 'one', 'the second waits while the answer goes');
  box.onReceived({ type: 'result_received', resultId: 'r-1', answer: 'NOT_RECEIVED', ref: 'someone else' });
  assert.equal(e.done.hidden, true, 'not ours: nothing changes');
  box.onReceived({ type: 'result_received', resultId: 'r-1', answer: 'NOT_RECEIVED', ref: 'rs-u1' });
  assert.equal(e.done.textContent, RU.rsThanksNo);
  assert.equal(e.done.hidden, false);
  clock.tick(2999);
  assert.equal(e.text.textContent, 'one');
  clock.tick(1);
  assert.equal(e.text.textContent, 'two');
  assert.equal(e.done.hidden, true);
  box.onResult(frame('r-1', 'one'));
  assert.equal(e.text.textContent, 'two', 'one answered here is not shown again');
});

test('a refused receipt brings the buttons back with the reason; offline, nothing is sent', () => {
  const { box, e, send } = results();
  box.onResult(frame('r-1', 'one'));
  e.yes.click();
  assert.equal(box.onError({ ref: 'rt-x', code: 'X' }), false);
  assert.equal(box.onError({ ref: 'rs-u1', code: 'NOT_FOUND', message: 'no such result' }), true);
  assert.equal(e.buttons.hidden, false);
  assert.equal(e.error.textContent, RU.trFail + (RU.err.NOT_FOUND || 'no such result'));
  send.up = false;
  e.yes.click();
  assert.equal(e.error.textContent, RU.trFail + RU.offline);
  assert.equal(e.buttons.hidden, false);
});

function transcript() {
  const doc = fakeDocument(), send = sender();
  const e = els(doc, ['box', 'form', 'email', 'error', 'done']);
  const box = transcriptBox({ els: e, T: RU, send, uid: ids() });
  return { box, e, send, doc };
}

test('the transcript box shows with a dialog, filled with the contact, and starts afresh for another', () => {
  const { box, e } = transcript();
  box.forDialog(null, 'a@example.org');
  assert.equal(e.box.hidden, true);
  box.forDialog('d1', 'a@example.org');
  assert.equal(e.box.hidden, false);
  assert.equal(e.email.value, 'a@example.org');
  e.error.textContent = 'old';
  box.forDialog('d1', null);
  assert.equal(e.error.textContent, 'old', 'the same dialog keeps its box');
  box.forDialog('d2', null);
  assert.equal(e.error.textContent, '');
});

test('an address asks for the copy; queued confirms it; a bad address is marked', () => {
  const { box, e, send, doc } = transcript();
  box.forDialog('d1', null);
  let ev = e.form.fire('submit');
  assert.equal(ev.defaultPrevented, true);
  assert.equal(e.error.textContent, RU.trEmpty);
  assert.equal(doc.activeElement, e.email);
  e.email.value = ' a@example.org ';
  e.form.fire('submit');
  assert.deepEqual(send.sent, [{ type: 'transcript', dialogId: 'd1', email: 'a@example.org', ref: 'tr-u1' }]);
  assert.equal(e.done.textContent, RU.trDone('a@example.org'));
  assert.equal(e.done.hidden, true);
  box.onQueued({ ref: 'tr-u1' });
  assert.equal(e.done.hidden, false);
  e.form.fire('submit');
  assert.equal(box.onError({ ref: 'tr-u2', code: 'INVALID_FIELD' }), true);
  assert.equal(e.error.textContent, RU.trBad);
  assert.equal(e.email.getAttribute('aria-invalid'), 'true');
  assert.equal(box.onError({ ref: 'tr-u2', code: 'INVALID_FIELD' }), false, 'answered once');
});

function rating(rated = []) {
  const doc = fakeDocument(), send = sender(), kept = [];
  const e = els(doc, ['box', 'form', 'comment', 'error', 'done']);
  e.stars = [1, 2, 3, 4, 5].map(n => {
    const label = doc.createElement('label'), i = doc.createElement('input');
    i.value = String(n);
    label.append(i);
    return i;
  });
  const box = ratingBox({ els: e, T: RU, send, uid: ids(), rated, keep: r => kept.push(r) });
  return { box, e, send, kept, doc };
}

test('the rating box shows under a closed dialog, and a dialog rated here shows the thanks instead', () => {
  const { box, e } = rating(['d0']);
  box.forClosed(null);
  assert.equal(e.box.hidden, true);
  box.forClosed('d1');
  assert.equal(e.box.hidden, false);
  assert.equal(e.form.hidden, false);
  assert.equal(e.done.hidden, true);
  box.forClosed('d0');
  assert.equal(e.form.hidden, true);
  assert.equal(e.done.textContent, RU.rtDone);
});

test('stars light up to the one picked; without one nothing is sent', () => {
  const { box, e, send, doc } = rating();
  box.forClosed('d1');
  e.form.fire('submit');
  assert.equal(e.error.textContent, RU.rtPick);
  assert.equal(doc.activeElement, e.stars[0]);
  e.stars[2].checked = true;
  e.form.fire('change');
  assert.equal(e.error.textContent, '');
  assert.deepEqual(e.stars.map(i => i.parentNode.getAttribute('data-on') !== null), [true, true, true, false, false]);
  assert.equal(send.sent.length, 0);
});

test('a rating is sent with its comment, and rated remembers the dialog; FORBIDDEN means rated already', () => {
  const { box, e, send, kept } = rating();
  box.forClosed('d1');
  e.stars[4].checked = true;
  e.comment.value = ' Спасибо ' + 'x'.repeat(2000);
  e.form.fire('submit');
  assert.equal(send.sent[0].rating, 5);
  assert.equal(send.sent[0].dialogId, 'd1');
  assert.equal(send.sent[0].comment.length, 1000);
  box.onRated({ ref: 'rt-u1', dialogId: 'd1' });
  assert.equal(e.form.hidden, true);
  assert.equal(e.done.textContent, RU.rtDone);
  assert.deepEqual(kept, [['d1']]);
  box.forClosed('d2');
  e.stars[0].checked = true;
  e.form.fire('submit');
  assert.equal(box.onError({ ref: 'rt-u2', code: 'FORBIDDEN' }), true);
  assert.equal(e.done.textContent, RU.rtAgain);
  assert.deepEqual(kept[1], ['d1', 'd2']);
});
