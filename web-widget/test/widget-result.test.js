import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultView, nextResults, resultReceipt, resultThanks } from '../src/widget/view.js';
import { markup } from '../src/widget/template.js';
import { TEXTS } from '../src/widget/i18n.js';

const RU = TEXTS.ru, EN = TEXTS.en;
const frame = { type: 'result', resultId: 'r-1', requestNumber: 'SR-310-1', text: 'Справка готова', question: 'Получили ли вы ответ?' };

test('a result frame shows its request number, its text, and keeps its id for the answer', () => {
  assert.deepEqual(resultView(frame, RU), { id: 'r-1', title: 'Результат по вашему обращению (заявка SR-310-1)', text: 'Справка готова' });
  assert.equal(resultView(Object.assign({}, frame, { requestNumber: null }), EN).title, 'The result of your request');
  assert.equal(resultView({ type: 'result', text: 'x' }, RU), null);
  assert.equal(resultView(Object.assign({}, frame, { text: undefined }), RU).text, '');
});

test('results wait in turn: the same one twice, or one answered here, is not shown again', () => {
  const one = resultView(frame, RU), two = resultView(Object.assign({}, frame, { resultId: 'r-2' }), RU);
  let list = nextResults([], one, []);
  list = nextResults(list, one, []);
  list = nextResults(list, two, []);
  assert.deepEqual(list.map(r => r.id), ['r-1', 'r-2']);
  assert.deepEqual(nextResults([], one, ['r-1']), []);
  assert.deepEqual(nextResults(list, null, []), list);
});

test('the answer goes as a result_receipt frame, true or false only', () => {
  assert.deepEqual(resultReceipt('r-1', true, 'rs-a'), { type: 'result_receipt', resultId: 'r-1', received: true, ref: 'rs-a' });
  assert.equal(resultReceipt('r-1', 'yes', 'rs-b').received, false);
  assert.equal(resultThanks('RECEIVED', RU), 'Спасибо! Рады, что ответ до вас дошёл.');
  assert.equal(resultThanks('NOT_RECEIVED', EN), 'Thank you for telling us. We will contact you again.');
});

test('the panel has the result box, hidden until a result comes, with the question and both answers', () => {
  for (const T of [RU, EN]) {
    const html = markup(T, '', 4000);
    assert.match(html, /<section class="rs" data-testid="result" aria-labelledby="rs-t" hidden>/);
    assert.ok(html.includes(T.rsQuestion) && html.includes(T.rsYes) && html.includes(T.rsNo));
    assert.ok(html.indexOf('data-testid="result"') < html.indexOf('data-testid="messages"'), 'above the messages');
  }
});
