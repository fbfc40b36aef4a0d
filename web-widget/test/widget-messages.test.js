// messages.js and composer.js: the dialog's messages as elements (text, never HTML; seq order; an own message's
// state, the unread badge) and the message box that sends them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, msg } from './widget-page.js';

const page = await startWidget({ site: 'main' });
const { $, server, welcome, storage } = page;
const list = $('messages');
const texts = () => list.children.map(el => el.children.find(c => c.className === 'text').textContent);

welcome({ dialogs: [{ dialogId: 'd-1', state: 'ASSIGNED', agentName: 'Анна' }] });
server().receive({ type: 'resumed', dialogId: 'd-1' });

test('messages take their places by seq, whatever order they come in; a repeat is dropped', () => {
  server().receive(msg('d-1', 3, { from: 'agent', text: 'третье', agentName: 'Анна' }));
  server().receive(msg('d-1', 1, { from: 'visitor', text: 'первое' }));
  server().receive(msg('d-1', 2, { from: 'system', event: 'assigned', agentName: 'Анна', text: 'server words' }));
  server().receive(msg('d-1', 3, { from: 'agent', text: 'третье' }));
  server().receive(msg('other', 4, { from: 'agent', text: 'чужое' }));
  assert.deepEqual(texts(), ['первое', 'Вам отвечает Анна.', 'третье']);
  assert.equal(list.children[2].dataset.from, 'agent');
  assert.equal(list.children[2].children[0].textContent, 'Анна', 'an agent’s message is signed');
  assert.equal(list.children[0].dataset.state, 'sent');
});

test('links become anchors and markup stays text', () => {
  server().receive(msg('d-1', 5, { from: 'agent', text: '<b>См.</b> https://rosdistant.ru/priem.' }));
  const text = list.children.at(-1).children.find(c => c.className === 'text');
  assert.equal(text.childNodes[0], '<b>См.</b> ');
  assert.equal(text.childNodes[1].href, 'https://rosdistant.ru/priem');
  assert.equal(text.childNodes[1].rel, 'noopener noreferrer');
});

test('an agent’s message while the panel is folded counts on the badge; opening the panel marks it read', () => {
  assert.equal($('panel').hidden, true);
  assert.equal($('badge').textContent, '2');
  assert.equal($('badge').hidden, false);
  assert.equal($('launcher').getAttribute('aria-label'), 'Открыть чат, непрочитанных сообщений: 2');
  $('launcher').click();
  assert.equal($('badge').hidden, true);
  assert.deepEqual(JSON.parse(storage.local.items['rosdistant-chat:main:read']), { d: 'd-1', s: 5 });
  assert.equal(storage.session.items['rosdistant-chat:main:open'], '1');
  page.root.fire('keydown', { key: 'Escape' });
  assert.equal($('panel').hidden, true);
  assert.equal(storage.session.items['rosdistant-chat:main:open'], undefined);
});

test('an own message shows sending, then sent with its time at the ack; a refused one says why', () => {
  $('input').value = 'Вопрос';
  $('input').fire('keydown', { key: 'Enter' });
  const mine = list.children.at(-1);
  assert.equal(mine.dataset.state, 'sending');
  assert.equal(mine.lastChild.textContent.endsWith(' · отправляется…'), true);
  const sent = server().frames('message').at(-1);
  server().receive({ type: 'ack', clientMsgId: sent.clientMsgId, seq: 6, at: '2026-12-07T09:01:00Z' });
  assert.equal(mine.dataset.state, 'sent');
  assert.equal(mine.dataset.seq, '6');
  $('input').value = 'x'.repeat(5000);
  $('input').fire('keydown', { key: 'Enter' });
  const long = server().frames('message').at(-1);
  assert.equal(long.text.length, 4000, 'cut to the longest the gateway takes');
  server().receive({ type: 'error', ref: long.clientMsgId, code: 'TEXT_TOO_LONG' });
  assert.equal(list.children.at(-1).dataset.state, 'failed');
  assert.match(list.children.at(-1).lastChild.textContent, /не отправлено: слишком длинное сообщение$/);
});

test('Shift+Enter does not send', () => {
  const n = server().frames('message').length;
  $('input').value = 'строка';
  const ev = $('input').fire('keydown', { key: 'Enter', shiftKey: true });
  assert.equal(ev.defaultPrevented, false);
  assert.equal(server().frames('message').length, n);
});
