import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typing } from '../src/widget/typing.js';
import { messageEl, setState, timeOf } from '../src/widget/messages.js';
import { hostApi } from '../src/widget/host-api.js';
import { TEXTS } from '../src/widget/i18n.js';
import { FakeClock, fakeDocument } from './fakes.js';

const RU = TEXTS.ru;

function typer({ open = true, ready = true } = {}) {
  const clock = new FakeClock(), sent = [], el = fakeDocument().createElement('div');
  const dialog = { dialogId: 'd1', agentName: 'Анна' };
  const t = typing({
    el, T: RU, send: f => { sent.push(f); return true; }, dialog: () => dialog, open: () => open, ready: () => ready,
    timers: { setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, now: () => clock.now }
  });
  return { t, clock, sent, el };
}

test('typing is told at most every two seconds, and off after three idle', () => {
  const { t, clock, sent } = typer();
  t.input();
  clock.tick(1000);
  t.input();
  assert.equal(sent.length, 1);
  clock.tick(1000);
  t.input();
  assert.equal(sent.length, 2);
  clock.tick(3000);
  assert.deepEqual(sent.map(f => f.typing), [true, true, false]);
  assert.deepEqual(sent[0], { type: 'typing', dialogId: 'd1', typing: true });
  t.stop();
  assert.equal(sent.length, 3, 'off is told once');
});

test('nothing is told without an open dialog or a socket', () => {
  const a = typer({ open: false }), b = typer({ ready: false });
  a.t.input(); b.t.input();
  assert.equal(a.sent.length + b.sent.length, 0);
});

test('the agent typing shows their name for five seconds', () => {
  const { t, clock, el } = typer();
  t.show(true, null);
  assert.equal(el.textContent, RU.typing('Анна'));
  clock.tick(4999);
  t.show(true, 'Борис');
  assert.equal(el.textContent, RU.typing('Борис'));
  clock.tick(4999);
  assert.equal(el.textContent, RU.typing('Борис'), 'each frame starts the five seconds again');
  clock.tick(1);
  assert.equal(el.textContent, '');
  t.show(true);
  t.show(false);
  assert.equal(el.textContent, '');
});

test('a lost socket stops both sides: the next keystroke tells the agent afresh', () => {
  const { t, sent, el } = typer();
  t.input();
  t.show(true);
  t.lost();
  assert.equal(el.textContent, '');
  t.input();
  assert.equal(sent.length, 2);
});

test('a message shows who wrote it and its text as text nodes with links; a file its link', () => {
  const doc = fakeDocument(), files = [];
  const opts = { T: RU, lang: 'ru', closed: false, nobody: false, file: (el, m) => files.push(m.fileName) };
  const agent = messageEl(doc, { from: 'agent', agentName: 'Анна', text: '<i>см.</i> https://rosdistant.ru', at: '2026-12-07T06:05:00Z' }, opts);
  assert.equal(agent.dataset.from, 'agent');
  assert.equal(agent.children[0].textContent, 'Анна');
  const text = agent.children[1];
  assert.equal(text.childNodes[0], '<i>см.</i> ');
  assert.equal(text.children[0].href, 'https://rosdistant.ru');
  assert.equal(agent.lastChild.textContent, timeOf('2026-12-07T06:05:00Z', 'ru'));
  const file = messageEl(doc, { from: 'visitor', event: 'file', fileName: 'a.pdf', text: 'a.pdf' }, opts);
  assert.deepEqual(files, ['a.pdf']);
  assert.equal(file.dataset.state, 'sent');
  const sys = messageEl(doc, { from: 'system', event: 'closed', closedBy: 'visitor' }, opts);
  assert.equal(sys.children[0].textContent, 'Вы завершили диалог.');
});

test('an own message says how its sending goes', () => {
  const doc = fakeDocument();
  const el = messageEl(doc, { from: 'visitor', text: 'x' }, { T: RU, lang: 'ru', file: () => {} });
  el._at = null;
  setState(el, 'sending', RU, 'ru');
  assert.match(el.lastChild.textContent, new RegExp(' · ' + RU.sending + '$'));
  setState(el, 'failed', RU, 'ru', 'слишком длинное сообщение');
  assert.equal(el.dataset.state, 'failed');
  assert.match(el.lastChild.textContent, / · .*: слишком длинное сообщение$/);
  assert.equal(timeOf('not a time', 'ru'), '');
});

test('the host page gives the contact and its handlers hear events, one failing not stopping the others', () => {
  const errors = [], heard = [];
  let opened = 0;
  const h = hostApi({ open: () => opened++, close: () => {}, log: e => errors.push(e.message) });
  assert.equal(h.api.on('state', () => { throw new Error('page bug'); }).on('state', s => heard.push(s)), h.api);
  h.emit('state', { panel: 'open' });
  assert.deepEqual(heard, [{ panel: 'open' }]);
  assert.deepEqual(errors, ['page bug']);
  h.api.setContact({ name: 'Анна', email: '' });
  assert.deepEqual(h.contact(), { name: 'Анна', email: undefined });
  h.api.identify({ userId: 'u7', email: 'a@example.org', name: 'Анна', signature: 's', extra: 1 });
  assert.deepEqual(h.contact().identity, { userId: 'u7', email: 'a@example.org', name: 'Анна', signature: 's' });
  h.api.open();
  assert.equal(opened, 1);
});
