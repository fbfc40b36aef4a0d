// status.js: the header's status, which buttons and boxes show, and the state event, drawn after each change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, msg } from './widget-page.js';

const page = await startWidget();
const { $, server, welcome, events } = page;
const states = () => events.filter(([ev]) => ev === 'state').map(([, s]) => s);

test('connecting until the first welcome; the buttons wait for an open dialog', () => {
  assert.equal($('status').textContent, 'Подключение…');
  assert.equal($('close-dialog').disabled, true);
  assert.equal($('attach').disabled, true);
  welcome();
  assert.equal($('status').textContent, 'Задайте вопрос — мы ответим');
  assert.equal(states().at(-1).connection, 'online');
});

test('a waiting dialog shows its place; an assigned one the agent, and the close button ends it', () => {
  welcome({ dialogs: [{ dialogId: 'd-1', state: 'WAITING' }] });
  server().receive({ type: 'resumed', dialogId: 'd-1' });
  server().receive({ type: 'queue', dialogId: 'd-1', position: 2, estimatedWaitSeconds: 90 });
  assert.equal($('status').textContent, 'Вы 2-й в очереди, ожидание около 2 мин');
  server().receive(msg('d-1', 1, { from: 'system', event: 'assigned', agentName: 'Анна' }));
  assert.equal($('status').textContent, 'Вам отвечает Анна');
  assert.equal($('close-dialog').disabled, false);
  assert.deepEqual(states().at(-1), {
    connection: 'online', dialogId: 'd-1', dialogState: 'ASSIGNED', agentName: 'Анна', queuePosition: null,
    nobodyOnline: false, offlineForm: false, panel: 'closed'
  });
  $('close-dialog').click();
  assert.deepEqual(server().frames('close'), [{ type: 'close', dialogId: 'd-1', ref: 'close' }]);
});

test('a button that goes disabled hands the keyboard focus to the message box', () => {
  $('close-dialog').focus();
  server().receive(msg('d-1', 2, { from: 'system', event: 'closed', closedBy: 'visitor' }));
  assert.equal($('close-dialog').disabled, true);
  assert.equal(page.doc.activeElement, $('input'));
  assert.equal($('status').textContent, 'Диалог завершён. Напишите, чтобы начать новый');
  assert.equal($('rating').hidden, false);
  assert.equal($('transcript').hidden, false);
});

test('a lost connection says so, and the state event tells the page once', () => {
  const n = states().length;
  server().drop();
  assert.equal($('status').textContent, 'Нет связи, переподключаемся…');
  assert.equal(states().length, n + 1);
  assert.equal(states().at(-1).connection, 'offline');
});
