import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusText, messageView, errorText, nextOpeningText, nobodyOnline, estimateMinutes, nextQueue } from '../src/widget/view.js';
import { TEXTS } from '../src/widget/i18n.js';

const RU = TEXTS.ru, EN = TEXTS.en;
const online = { ready: true, everReady: true, line: { open: true } };

test('the status says connecting before the first welcome and reconnecting after a loss', () => {
  assert.equal(statusText({ ready: false, everReady: false }, RU), 'Подключение…');
  assert.equal(statusText({ ready: false, everReady: true }, RU), 'Нет связи, переподключаемся…');
});

test('the status follows the dialog: idle, waiting with the queue frame, assigned, closed', () => {
  assert.equal(statusText(online, RU), 'Задайте вопрос — мы ответим');
  const waiting = Object.assign({ dialog: { state: 'WAITING' } }, online);
  assert.equal(statusText(waiting, RU), 'Ожидаем специалиста…');
  assert.equal(statusText(Object.assign({ queue: { position: 2, estimatedWaitSeconds: 90 } }, waiting), RU),
    'Вы 2-й в очереди, ожидание около 2 мин');
  assert.equal(statusText(Object.assign({ queue: { position: 1 } }, waiting), EN), 'You are number 1 in the queue');
  assert.equal(statusText(Object.assign({}, online, { dialog: { state: 'ASSIGNED', agentName: 'Анна' } }), RU), 'Вам отвечает Анна');
  assert.equal(statusText(Object.assign({}, online, { dialog: { state: 'CLOSED' } }), RU),
    'Диалог завершён. Напишите, чтобы начать новый');
});

test('out of hours the status says so, never a queue position or a wait; an agent who answers is still named', () => {
  const closed = Object.assign({}, online, { line: { open: false } });
  assert.equal(statusText(closed, RU), 'Сейчас нерабочее время');
  assert.equal(statusText(Object.assign({ dialog: { state: 'WAITING' }, queue: { position: 3 } }, closed), RU),
    'Сейчас нерабочее время');
  assert.equal(statusText(Object.assign({ dialog: { state: 'ASSIGNED', agentName: 'Анна' } }, closed), RU), 'Вам отвечает Анна');
});

test('visitor and agent messages show their text; an agent message is signed', () => {
  assert.deepEqual(messageView({ from: 'visitor', text: 'Здравствуйте' }, RU), { from: 'visitor', name: null, text: 'Здравствуйте' });
  assert.deepEqual(messageView({ from: 'agent', text: 'Чем помочь?', agentName: 'Анна' }, RU), { from: 'agent', name: 'Анна', text: 'Чем помочь?' });
  assert.equal(messageView({ from: 'agent', text: 'x' }, EN).name, 'Specialist');
});

test('each system event has the widget’s own words in both languages', () => {
  const sys = (event, extra, T) => messageView(Object.assign({ from: 'system', event, text: 'server text' }, extra), T).text;
  assert.equal(sys('waiting', {}, RU), 'Пожалуйста, подождите: скоро вам ответит специалист.');
  // out of hours nobody answers soon
  assert.equal(messageView({ from: 'system', event: 'waiting' }, RU, true).text, 'Вопрос получен. Специалисты ответят в рабочее время.');
  assert.equal(messageView({ from: 'system', event: 'waiting' }, EN, true).text,
    'Your question is received. Specialists will answer in working hours.');
  assert.equal(sys('assigned', { agentName: 'Анна' }, EN), 'Анна is now answering you.');
  assert.equal(sys('closed', { closedBy: 'visitor' }, RU), 'Вы завершили диалог.');
  assert.equal(sys('closed', { closedBy: 'agent' }, EN), 'The specialist closed the dialog.');
  assert.equal(sys('closed', { closedBy: 'system' }, RU), 'Диалог завершён.');
  assert.equal(sys('offline_offered', { reason: 'hours' }, RU), 'Сейчас нерабочее время. Вы можете оставить вопрос в форме.');
  assert.equal(sys('offline_offered', { reason: 'busy' }, EN), 'All specialists are busy. You can leave a question in the form.');
  // events without words of their own show the server's sentence
  assert.equal(sys('forwarded', {}, EN), 'server text');
  assert.equal(sys('requeued', {}, RU), 'server text');
});

test('an error frame about a message is said in the visitor’s words, else as the server put it', () => {
  assert.equal(errorText({ code: 'TEXT_TOO_LONG' }, RU), 'слишком длинное сообщение');
  assert.equal(errorText({ code: 'RATE_LIMITED', message: 'Too many frames' }, EN), 'Too many frames');
});

test('typing is shown with the agent’s name', () => {
  assert.equal(RU.typing('Анна'), 'Анна печатает…');
});

// Monday 7 December 2026, Moscow (+03:00)
const now = new Date('2026-12-07T05:00:00Z');   // 08:00 in Moscow

test('the next opening today, tomorrow and later, in correct Russian and English', () => {
  assert.equal(nextOpeningText('2026-12-07T09:00:00+03:00', now, 'ru'), 'сегодня с 09:00');
  assert.equal(nextOpeningText('2026-12-07T09:00:00+03:00', now, 'en'), 'today from 09:00');
  assert.equal(nextOpeningText('2026-12-08T09:00:00+03:00', now, 'ru'), 'завтра с 09:00');
  assert.equal(nextOpeningText('2026-12-08T09:30:00+03:00', now, 'en'), 'tomorrow from 09:30');
  assert.equal(nextOpeningText('2026-12-14T09:00:00+03:00', now, 'ru'), 'в понедельник, 14 декабря, с 09:00');
  assert.equal(nextOpeningText('2026-12-14T09:00:00+03:00', now, 'en'), 'on Monday, 14 December, from 09:00');
  assert.equal(nextOpeningText('2026-12-09T09:00:00+03:00', now, 'ru'), 'в среду, 9 декабря, с 09:00');
  assert.equal(nextOpeningText('2026-12-15T09:00:00+03:00', now, 'ru'), 'во вторник, 15 декабря, с 09:00');
});

test('today and tomorrow are the line’s days, not UTC’s', () => {
  // 23:30 in Moscow on Monday is 20:30 UTC: Tuesday 09:00 Moscow is tomorrow
  const late = new Date('2026-12-07T20:30:00Z');
  assert.equal(nextOpeningText('2026-12-08T09:00:00+03:00', late, 'ru'), 'завтра с 09:00');
  // 00:30 in Moscow on Tuesday is still Monday in UTC: 09:00 Moscow is today
  const afterMidnight = new Date('2026-12-07T21:30:00Z');
  assert.equal(nextOpeningText('2026-12-08T09:00:00+03:00', afterMidnight, 'ru'), 'сегодня с 09:00');
});

test('no phrase for a missing or broken time', () => {
  assert.equal(nextOpeningText(null, now, 'ru'), null);
  assert.equal(nextOpeningText('soon', now, 'ru'), null);
});

test('in working hours with nobody of the line online the status says so at once, before and while waiting', () => {
  const nobody = { ready: true, everReady: true, line: { open: true, agentsOnline: 0 } };
  assert.equal(nobodyOnline(nobody.line), true);
  assert.equal(nobodyOnline({ open: true, agentsOnline: 2 }), false);
  assert.equal(nobodyOnline({ open: true }), false, 'an older gateway without agentsOnline: not assumed');
  assert.equal(nobodyOnline({ open: false, agentsOnline: 0 }), false, 'out of hours is its own state');
  assert.equal(statusText(nobody, RU), 'Сейчас нет специалистов в сети');
  assert.equal(statusText(nobody, EN), 'No specialist is online now');
  const waiting = Object.assign({ dialog: { state: 'WAITING' }, queue: { position: 1, estimatedWaitSeconds: null } }, nobody);
  assert.equal(statusText(waiting, RU), 'Сейчас нет специалистов в сети');
  assert.equal(statusText(Object.assign({}, waiting, { dialog: { state: 'ASSIGNED', agentName: 'Анна' } }), RU), 'Вам отвечает Анна');
  assert.match(messageView({ from: 'system', event: 'waiting' }, RU, false, true).text, /никого из специалистов нет в сети/);
  assert.match(messageView({ from: 'system', event: 'waiting' }, RU, false, false).text, /скоро вам ответит/);
});

test('an estimate is shown only when the gateway gave one', () => {
  assert.equal(estimateMinutes({ position: 2, estimatedWaitSeconds: null }), 0);
  assert.equal(estimateMinutes({ position: 2 }), 0);
  assert.equal(estimateMinutes({ position: 2, estimatedWaitSeconds: 61 }), 2);
  const waiting = { ready: true, everReady: true, line: { open: true, agentsOnline: 1 }, dialog: { state: 'WAITING' } };
  assert.equal(statusText(Object.assign({ queue: { position: 3, estimatedWaitSeconds: null } }, waiting), RU), 'Вы 3-й в очереди');
});

test('a place in the line never goes back up for the same dialog; another dialog starts afresh', () => {
  let q = nextQueue(null, { dialogId: 'a', position: 3 });
  q = nextQueue(q, { dialogId: 'a', position: 2, agentsOnline: 1 });
  assert.equal(q.position, 2);
  q = nextQueue(q, { dialogId: 'a', position: 4, agentsOnline: 0 });
  assert.equal(q.position, 2, 'kept');
  assert.equal(q.agentsOnline, 0, 'the rest of the frame is taken');
  assert.equal(nextQueue(q, { dialogId: 'b', position: 5 }).position, 5);
});
