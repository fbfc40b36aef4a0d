// panel.js: the launcher unfolds and folds the panel (kept for the page's session), with the keyboard focus where
// the visitor expects it, and counts the agent's messages not seen on its badge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, msg } from './widget-page.js';

const K = 'rosdistant-chat:main:';
const page = await startWidget({ site: 'main', local: { [K + 'read']: JSON.stringify({ d: 'd-1', s: 2 }) } });
const { $, server, welcome, storage } = page;

test('folded at first; the launcher unfolds the panel with the focus in the message box, and folds it again', () => {
  assert.equal($('panel').hidden, true);
  $('launcher').click();
  assert.equal($('panel').hidden, false);
  assert.equal($('launcher').getAttribute('aria-expanded'), 'true');
  assert.equal(page.doc.activeElement, $('input'));
  $('launcher').click();
  assert.equal($('panel').hidden, true);
  assert.equal($('launcher').getAttribute('aria-expanded'), 'false');
});

test('folding with the focus inside the panel hands it to the launcher', () => {
  $('launcher').click();
  $('panel').append($('input'));
  $('input').focus();
  $('minimize').click();
  assert.equal(page.doc.activeElement, $('launcher'));
  $('launcher').focus();
  $('launcher').click();
  page.root.fire('keydown', { key: 'Escape' });
  assert.equal($('panel').hidden, true);
  assert.equal(page.doc.activeElement, $('launcher'));
  assert.equal(page.root.fire('keydown', { key: 'Escape' }).defaultPrevented, false, 'folded: Escape is the page’s');
});

test('messages read before (the kept read mark) are not counted again; the badge stops at 99+', () => {
  welcome({ dialogs: [{ dialogId: 'd-1', state: 'ASSIGNED', agentName: 'Анна' }] });
  server().receive(msg('d-1', 1, { from: 'agent', text: 'старое' }));
  server().receive(msg('d-1', 2, { from: 'agent', text: 'старое' }));
  assert.equal($('badge').hidden, true);
  for (let s = 3; s < 103; s++) server().receive(msg('d-1', s, { from: 'agent', text: 'новое ' + s }));
  assert.equal($('badge').textContent, '99+');
  assert.equal($('launcher').getAttribute('aria-label'), 'Открыть чат, непрочитанных сообщений: 100');
  $('launcher').click();
  assert.equal($('badge').hidden, true);
  assert.equal($('launcher').getAttribute('aria-label'), 'Открыть чат');
  assert.deepEqual(JSON.parse(storage.local.items[K + 'read']), { d: 'd-1', s: 102 });
});

test('with the panel open, the agent’s messages are read as they come', () => {
  server().receive(msg('d-1', 103, { from: 'agent', text: 'ещё' }));
  assert.equal($('badge').hidden, true);
  assert.equal(JSON.parse(storage.local.items[K + 'read']).s, 103);
});

test('when the offline form has the panel, opening puts the focus in its first field', () => {
  $('launcher').click();
  welcome({ line: { open: false, agentsOnline: 0 } });
  $('launcher').click();
  assert.equal(page.doc.activeElement, $('off-form').elements.name);
});
