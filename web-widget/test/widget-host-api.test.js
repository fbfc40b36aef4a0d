// index.js, env.js and host-api.js: the widget starts once on the page, from its script tag, and the page talks to
// it through window.RosdistantChat.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget } from './widget-page.js';
import { SITE, LANG, gateway } from '../src/widget/env.js';

const page = await startWidget({ site: 'applicant', lang: 'en', session: { 'rosdistant-chat:applicant:open': '1' } });
const { $, server, welcome, events } = page;

test('the script tag sets the site, the language and the gateway; the socket goes to the gateway for the site', () => {
  assert.equal(SITE, 'applicant');
  assert.equal(LANG, 'en');
  assert.equal(gateway('/api/offline-forms'), 'https://gw.example/api/offline-forms');
  assert.equal(server().url, 'wss://gw.example/ws/visitor?site=applicant');
  assert.equal(page.sockets.made.length, 1);
});

test('the widget mounts in a shadow root appended to the page, with the panel open as the session left it', () => {
  assert.equal(page.host.id, 'rosdistant-chat');
  assert.equal(page.host.shadowRoot, page.root);
  assert.match(page.root.innerHTML, /data-testid="launcher"/);
  assert.equal($('panel').hidden, false, 'open in this session before');
  assert.equal($('launcher').getAttribute('aria-label'), 'Open chat', 'English texts');
});

test('a second copy of the script on the page starts nothing', async () => {
  const api = globalThis.RosdistantChat;
  await import('../src/widget/index.js?again');
  assert.equal(globalThis.RosdistantChat, api);
  assert.equal(page.sockets.made.length, 1);
});

test('the page is told the state once per change, and open / close fold the panel', () => {
  welcome();
  const states = events.filter(([ev]) => ev === 'state').map(([, s]) => s);
  assert.deepEqual(states.at(-1), {
    connection: 'online', dialogId: null, dialogState: null, agentName: null, queuePosition: null,
    nobodyOnline: false, offlineForm: false, panel: 'open'
  });
  const before = events.length;
  welcome();
  assert.equal(events.length, before, 'nothing changed, nothing said');
  globalThis.RosdistantChat.close();
  assert.equal($('panel').hidden, true);
  assert.equal(events.at(-1)[1].panel, 'closed');
  globalThis.RosdistantChat.open();
  assert.equal($('panel').hidden, false);
  assert.equal(page.doc.activeElement, $('input'), 'the message box has the focus');
});

test('a listener that throws is logged and the others are still called', () => {
  const seen = [], errors = [];
  const error = console.error;
  console.error = e => errors.push(e);
  try {
    globalThis.RosdistantChat.on('state', () => { throw new Error('page bug'); }).on('state', s => seen.push(s.panel));
    globalThis.RosdistantChat.close();
  } finally { console.error = error; }
  assert.deepEqual(seen, ['closed']);
  assert.equal(errors[0].message, 'page bug');
});

test('the contact and a signed user go with the open frame of the first message', () => {
  globalThis.RosdistantChat.identify({ userId: 'u-7', email: 'ivan@example.ru', name: 'Иван', signature: 'sig' });
  $('input').value = 'Здравствуйте';
  $('chat-form').fire('submit');
  assert.deepEqual(server().frames('open'), [{
    type: 'open', ref: 'open', name: 'Иван', email: 'ivan@example.ru',
    identity: { userId: 'u-7', email: 'ivan@example.ru', name: 'Иван', signature: 'sig' }
  }]);
  globalThis.RosdistantChat.setContact({ name: 'Пётр' });
  server().receive({ type: 'error', ref: 'open', code: 'BAD', retryable: true });
  page.sockets.last().sent.length = 0;
  // the retry of a refused open comes 2–4 s later, with the contact as it is then (no identity)
  mock.timers.tick(4000);
  assert.deepEqual(server().frames('open'), [{ type: 'open', ref: 'open', name: 'Пётр' }]);
});
