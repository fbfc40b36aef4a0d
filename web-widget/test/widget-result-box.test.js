// result-box.js: the result of the visitor's request shown on their next visit, answered «Да» / «Нет» once, one
// result at a time.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget } from './widget-page.js';
import { TEXTS } from '../src/widget/i18n.js';

const RU = TEXTS.ru;
const page = await startWidget();
const { $, server, welcome } = page;
const result = (id, text) => ({ type: 'result', resultId: id, requestNumber: 'SR-1', text });

test('a result shows its title and text as text; «Да» sends the receipt once', () => {
  welcome();
  server().receive(result('r-1', '<b>Справка</b> готова'));
  assert.equal($('result').hidden, false);
  assert.equal($('rs-title').textContent, RU.rsTitle('SR-1'));
  assert.equal($('rs-text').textContent, '<b>Справка</b> готова');
  $('rs-yes').click();
  $('rs-no').click();
  assert.deepEqual(server().frames('result_receipt'), [{ type: 'result_receipt', resultId: 'r-1', received: true, ref: server().frames('result_receipt')[0].ref }]);
  assert.match(server().frames('result_receipt')[0].ref, /^rs-/);
  assert.equal($('rs-buttons').hidden, true);
});

test('a refused receipt brings the buttons back with the reason', () => {
  const ref = server().frames('result_receipt')[0].ref;
  server().receive({ type: 'error', ref, code: 'NOT_FOUND', message: 'no such result' });
  assert.equal($('rs-buttons').hidden, false);
  assert.equal($('rs-error').textContent, RU.trFail + 'no such result');
});

test('the thanks follow the recorded answer, and the next result three seconds later; one answered is not shown again', () => {
  $('rs-no').click();
  const ref = server().frames('result_receipt').at(-1).ref;
  server().receive(result('r-2', 'two'));
  assert.equal($('rs-text').textContent, '<b>Справка</b> готова', 'the second waits while the answer goes');
  server().receive({ type: 'result_received', resultId: 'r-1', answer: 'NOT_RECEIVED', ref: 'someone else' });
  assert.equal($('rs-done').hidden, true, 'not ours: nothing changes');
  server().receive({ type: 'result_received', resultId: 'r-1', answer: 'NOT_RECEIVED', ref });
  assert.equal($('rs-done').textContent, RU.rsThanksNo);
  assert.equal($('rs-done').hidden, false);
  mock.timers.tick(2999);
  assert.equal($('rs-text').textContent, '<b>Справка</b> готова');
  mock.timers.tick(1);
  assert.equal($('rs-text').textContent, 'two');
  assert.equal($('rs-done').hidden, true);
  server().receive(result('r-1', 'again'));
  assert.equal($('rs-text').textContent, 'two');
});

test('offline, nothing is sent and the visitor is told', () => {
  server().drop();
  $('rs-yes').click();
  assert.equal($('rs-error').textContent, RU.trFail + RU.offline);
  assert.equal($('rs-buttons').hidden, false);
});
