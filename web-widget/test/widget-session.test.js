// session.js: the connection with the kept token, the outbox across reloads, the current dialog and what the
// gateway's frames do to it.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, msg } from './widget-page.js';
import { dialog, queue } from '../src/widget/session.js';

const K = 'rosdistant-chat:main:';
const kept = [{ id: 'c-1', dialogId: null, text: 'Written before a reload', at: '2026-12-07T08:59:00Z' }];
const page = await startWidget({ site: 'main', local: { [K + 'token']: 'tok-old', [K + 'outbox']: JSON.stringify(kept) } });
const { $, server, welcome, storage, events } = page;

test('hello carries the kept token and a new one from welcome is kept', () => {
  server().open();
  assert.deepEqual(server().sent[0], { type: 'hello', token: 'tok-old', ref: 'hello' });
  welcome({ token: 'tok-new' });
  assert.equal(storage.local.items[K + 'token'], 'tok-new');
});

test('a message kept from before the reload shows as sending and opens a dialog; then it goes with the dialog id', () => {
  assert.equal($('messages').children.length, 1);
  assert.equal($('messages').children[0].dataset.state, 'sending');
  assert.deepEqual(server().frames('open'), [{ type: 'open', ref: 'open' }]);
  assert.equal(server().frames('message').length, 0, 'not before its dialog is opened');
  server().receive({ type: 'opened', dialog: { dialogId: 'd-1', state: 'WAITING' }, line: { open: true, agentsOnline: 1 } });
  assert.deepEqual(dialog, { dialogId: 'd-1', state: 'WAITING', agentName: undefined });
  assert.deepEqual(server().frames('resume'), [{ type: 'resume', dialogId: 'd-1', lastSeq: 0, ref: 'resume:d-1' }]);
  assert.deepEqual(events.find(([ev]) => ev === 'opened')[1], { dialogId: 'd-1', state: 'WAITING' });
  assert.deepEqual(server().frames('message'), [{ type: 'message', dialogId: 'd-1', clientMsgId: 'c-1', text: 'Written before a reload' }]);
  assert.equal(JSON.parse(storage.local.items[K + 'outbox'])[0].dialogId, 'd-1', 'kept with its dialog');
  server().receive({ type: 'ack', clientMsgId: 'c-1', seq: 1, at: '2026-12-07T09:00:00Z' });
  assert.equal(storage.local.items[K + 'outbox'], undefined, 'the outbox is empty');
});

test('system messages move the dialog: assigned, forwarded to the queue, waiting with a place, closed', () => {
  server().receive(msg('d-1', 2, { from: 'system', event: 'assigned', agentName: 'Анна' }));
  assert.equal(dialog.state, 'ASSIGNED');
  assert.equal(dialog.agentName, 'Анна');
  server().receive(msg('d-1', 3, { from: 'system', event: 'forwarded' }));
  assert.equal(dialog.state, 'WAITING');
  assert.equal(dialog.agentName, null);
  server().receive({ type: 'queue', dialogId: 'd-1', position: 2, agentsOnline: 1 });
  assert.equal(queue.position, 2);
  assert.equal(events.at(-1)[1].queuePosition, 2);
  server().receive({ type: 'queue', dialogId: 'other', position: 9 });
  assert.equal(queue.position, 2, 'another dialog’s frame is not ours');
  server().receive(msg('d-1', 3, { from: 'system', event: 'closed', closedBy: 'agent' }));
  assert.equal(dialog.state, 'WAITING', 'a seq seen before is dropped');
  server().receive(msg('d-1', 4, { from: 'system', event: 'closed', closedBy: 'agent' }));
  assert.equal(dialog.state, 'CLOSED');
  assert.equal(queue, null);
  assert.equal(events.at(-1)[0], 'message');
});

test('a message written under a closed dialog starts a new one', () => {
  $('input').value = '  Ещё вопрос  ';
  $('chat-form').fire('submit');
  assert.equal(dialog, null);
  assert.equal($('messages').children.length, 1, 'the closed dialog’s messages are gone');
  assert.equal(server().frames('open').length, 2);
  assert.equal(server().frames('message').length, 1, 'sent once its dialog is opened');
  server().receive({ type: 'opened', dialog: { dialogId: 'd-2', state: 'WAITING' } });
  assert.equal(server().frames('message').at(-1).text, 'Ещё вопрос');
});

test('a dialog kept on the gateway is resumed after a reconnect; its outbox waits for the replay', () => {
  page.sockets.last().drop();
  mock.timers.tick(1000);
  welcome({ token: undefined, dialogs: [{ dialogId: 'd-2', state: 'WAITING' }] });
  assert.deepEqual(server().frames('resume'), [{ type: 'resume', dialogId: 'd-2', lastSeq: 0, ref: 'resume:d-2' }]);
  $('input').value = 'Пока вы там';
  $('input').fire('keydown', { key: 'Enter' });
  assert.equal(server().frames('message').length, 0, 'nothing overtakes what the replay brings');
  server().receive({ type: 'resumed', dialogId: 'd-2' });
  assert.deepEqual(server().frames('message').map(f => [f.dialogId, f.text]), [['d-2', 'Ещё вопрос'], ['d-2', 'Пока вы там']]);
});

test('a failed replay is asked again 2 s later; a refused resume leaves the dialog', () => {
  server().receive({ type: 'error', dialogId: 'd-2', code: 'UNAVAILABLE', retryable: true });
  const resumes = server().frames('resume').length;
  mock.timers.tick(2000);
  assert.equal(server().frames('resume').length, resumes + 1);
  server().receive({ type: 'error', ref: 'resume:d-2', code: 'FORBIDDEN' });
  assert.equal(dialog, null);
});

test('a refused hello gives the socket up; the connection comes back after the back-off', () => {
  page.sockets.last().drop();
  assert.equal($('status').textContent, 'Нет связи, переподключаемся…');
  mock.timers.tick(1000);
  assert.equal(page.sockets.made.length, 3);
  server().open();
  assert.deepEqual(server().sent[0], { type: 'hello', token: 'tok-new', ref: 'hello' });
  server().receive({ type: 'error', ref: 'hello', code: 'BAD_TOKEN' });
  assert.equal(server().readyState, 3, 'closed');
  mock.timers.tick(1000);
  assert.equal(page.sockets.made.length, 4);
});

test('the page coming back online reconnects at once', () => {
  page.windowListeners.online();
  assert.equal(page.sockets.made.length, 4, 'a socket is there already: nothing more');
});
