// offline-form.js: the form offered out of hours, when everyone is busy or nobody is online; filled in from what
// the page and the visitor gave, checked, posted once under its clientFormId; and the nobody-online notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, fakeFetch, msg } from './widget-page.js';
import { settle } from './fakes.js';

const page = await startWidget({ site: 'applicant' });
const { $, server, welcome, events } = page;
const field = n => $('off-form').elements[n];
const closed = { open: false, agentsOnline: 0, nextOpening: '2026-12-07T09:00:00+03:00' };

test('out of hours the form shows at the welcome, with when the line opens and the page’s contact', () => {
  globalThis.RosdistantChat.setContact({ name: 'Иван', email: 'ivan@example.ru' });
  welcome({ line: closed });
  assert.equal($('offline').hidden, false);
  assert.equal($('off-reason').textContent,
    'Сейчас нерабочее время. Оставьте вопрос — мы ответим на почту или по телефону. Специалисты ответят сегодня с 09:00.');
  assert.equal(field('name').value, 'Иван');
  assert.equal(field('email').value, 'ivan@example.ru');
  assert.equal($('messages').hidden, true, 'the form has the panel');
  assert.equal(events.at(-1)[1].offlineForm, true);
});

test('the form is checked before sending: each error beside its field, the first one focused', () => {
  globalThis.fetch = fakeFetch([{ status: 201, body: {} }]);
  field('name').value = '';
  field('email').value = '';
  $('off-form').fire('submit');
  assert.equal(globalThis.fetch.calls.length, 0);
  assert.equal($('err-name').textContent, 'Укажите имя');
  assert.equal($('err-email').textContent, 'Укажите эл. почту или телефон (хотя бы одно).');
  assert.equal(field('phone').getAttribute('aria-invalid'), 'true', 'e-mail or phone: both marked');
  assert.equal($('off-error').textContent, 'Исправьте отмеченные поля.');
  assert.equal(page.doc.activeElement, field('name'));
});

test('a form the gateway refuses in a field shows its words; a lost answer is sent again under the same id', async () => {
  Object.assign(field('name'), { value: 'Иван' });
  field('phone').value = '+7 900 000-00-00';
  field('question').value = 'Когда экзамен?';
  field('consent').checked = true;
  globalThis.fetch = fakeFetch([
    { status: 400, body: { errors: { phone: 'Неверный номер' } } },
    new TypeError('network'),
    { status: 201, body: { formId: 'F-1' } }]);
  $('off-form').fire('submit');
  assert.equal($('off-submit').disabled, true, 'once at a time');
  await settle();
  assert.equal($('err-phone').textContent, 'Неверный номер');
  const first = JSON.parse(globalThis.fetch.calls[0].init.body);
  assert.equal(globalThis.fetch.calls[0].url, 'https://gw.example/api/offline-forms');
  assert.deepEqual(Object.keys(first), ['site', 'name', 'email', 'phone', 'question', 'consent', 'clientFormId']);
  assert.equal(first.site, 'applicant');
  $('off-form').fire('submit');
  await settle();
  assert.equal($('off-error').textContent, 'Не удалось отправить. Проверьте связь и повторите.');
  const second = JSON.parse(globalThis.fetch.calls[1].init.body);
  assert.equal(second.clientFormId, first.clientFormId, 'refused in a field: the same form, corrected');
  $('off-form').fire('submit');
  await settle();
  assert.equal(JSON.parse(globalThis.fetch.calls[2].init.body).clientFormId, second.clientFormId, 'the same form again');
  assert.equal($('off-done').hidden, false);
  assert.equal($('off-form').hidden, true);
  assert.equal(field('question').value, '', 'the form is emptied');
  $('off-back').click();
  assert.equal($('offline').hidden, true);
});

test('nobody online in working hours: the notice offers the form (with what was asked) or waiting', () => {
  welcome({ line: { open: true, agentsOnline: 0 }, dialogs: [{ dialogId: 'd-1', state: 'WAITING' }] });
  server().receive({ type: 'resumed', dialogId: 'd-1' });
  server().receive(msg('d-1', 1, { from: 'visitor', text: 'Как поступить?' }));
  assert.equal($('nobody').hidden, false);
  $('nb-form').click();
  assert.equal($('offline').hidden, false);
  assert.equal($('off-reason').textContent.startsWith('Сейчас никого из специалистов нет в сети.'), true);
  assert.equal(field('question').value, 'Как поступить?');
  assert.equal($('off-hide').textContent, 'Подождать в чате');
  assert.equal($('nobody').hidden, true);
  $('off-hide').click();
  assert.equal($('offline').hidden, true);
  assert.equal($('nobody').hidden, true, 'the visitor chose to wait');
});

test('someone coming online folds a form offered because nobody was; nobody again brings the notice back', () => {
  $('nb-form').click();
  server().receive({ type: 'queue', dialogId: 'd-1', position: 1, agentsOnline: 1 });
  assert.equal($('offline').hidden, true);
  assert.equal(field('question').value, 'Как поступить?', 'what was typed stays');
  server().receive({ type: 'queue', dialogId: 'd-1', position: 1, agentsOnline: 0 });
  assert.equal($('nobody').hidden, false);
  $('nb-wait').click();
  assert.equal($('nobody').hidden, true);
});

test('a live offer opens the form while waiting; an agent answering folds it', () => {
  server().receive(msg('d-1', 2, { from: 'system', event: 'offline_offered', reason: 'busy' }));
  assert.equal($('offline').hidden, false);
  assert.equal($('off-reason').textContent, 'Все специалисты заняты. Оставьте вопрос — мы ответим на почту или по телефону.');
  server().receive(msg('d-1', 3, { from: 'system', event: 'assigned', agentName: 'Анна' }));
  assert.equal($('offline').hidden, true);
});
