// typing.js: the visitor's typing told to the agent at most every 2 s and off after 3 s idle; the agent's shown
// with their name for 5 s.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget } from './widget-page.js';

const page = await startWidget();
const { $, server, welcome } = page;
const typing = () => server().frames('typing').map(f => f.typing);

test('nothing is told before there is an open dialog', () => {
  welcome();
  $('input').fire('input');
  assert.deepEqual(typing(), []);
});

test('typing is told at most every 2 s, and off after 3 s without a key', () => {
  welcome({ dialogs: [{ dialogId: 'd-1', state: 'ASSIGNED', agentName: 'Анна' }] });
  $('input').fire('input');
  mock.timers.tick(1000);
  $('input').fire('input');
  assert.deepEqual(typing(), [true]);
  mock.timers.tick(1000);
  $('input').fire('input');
  assert.deepEqual(typing(), [true, true]);
  mock.timers.tick(2999);
  assert.deepEqual(typing(), [true, true]);
  mock.timers.tick(1);
  assert.deepEqual(typing(), [true, true, false]);
  assert.equal(server().frames('typing')[2].dialogId, 'd-1');
});

test('sending the message ends the typing at once, once', () => {
  $('input').fire('input');
  $('input').value = 'Готово';
  $('chat-form').fire('submit');
  assert.deepEqual(typing().slice(-2), [true, false]);
  mock.timers.tick(5000);
  assert.deepEqual(typing().slice(-2), [true, false]);
});

test('the agent typing shows with their name and goes after 5 s or with their message', () => {
  server().receive({ type: 'typing', dialogId: 'd-1', from: 'agent', typing: true });
  assert.equal($('typing').textContent, 'Анна печатает…');
  mock.timers.tick(5000);
  assert.equal($('typing').textContent, '');
  server().receive({ type: 'typing', dialogId: 'd-1', from: 'agent', typing: true, name: 'Борис' });
  assert.equal($('typing').textContent, 'Борис печатает…');
  server().receive({ type: 'message', dialogId: 'd-1', seq: 1, from: 'agent', text: 'Здравствуйте' });
  assert.equal($('typing').textContent, '');
  server().receive({ type: 'typing', dialogId: 'other', from: 'agent', typing: true });
  assert.equal($('typing').textContent, '', 'another dialog');
});

test('a lost connection clears the agent typing', () => {
  server().receive({ type: 'typing', dialogId: 'd-1', from: 'agent', typing: true });
  server().drop();
  assert.equal($('typing').textContent, '');
});
