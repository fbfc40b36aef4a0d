// rating.js: a closed dialog rated once, one to five stars and a comment; the dialogs rated here are remembered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, msg } from './widget-page.js';
import { TEXTS } from '../src/widget/i18n.js';

const RU = TEXTS.ru;
const K = 'rosdistant-chat:main:';
const page = await startWidget({ site: 'main', local: { [K + 'rated']: '["d-0"]' } });
const { $, server, welcome, storage } = page;
const stars = $('rt-form').querySelectorAll('input');
const star = n => { stars.forEach(i => { i.checked = i.value === String(n); }); $('rt-form').fire('change'); };

test('the box shows only under a closed dialog', () => {
  welcome({ dialogs: [{ dialogId: 'd-1', state: 'ASSIGNED', agentName: 'Анна' }] });
  assert.equal($('rating').hidden, true);
  server().receive({ type: 'resumed', dialogId: 'd-1' });
  server().receive(msg('d-1', 1, { from: 'system', event: 'closed', closedBy: 'agent' }));
  assert.equal($('rating').hidden, false);
  assert.equal($('rt-form').hidden, false);
});

test('no star, no rating; the stars light up to the one chosen', () => {
  $('rt-form').fire('submit');
  assert.equal($('rt-error').textContent, RU.rtPick);
  assert.equal(page.doc.activeElement, stars[0]);
  star(3);
  assert.equal($('rt-error').textContent, '');
  assert.deepEqual(stars.map(i => i.parentNode.hasAttribute('data-on')), [true, true, true, false, false]);
});

test('the rating goes with its comment (at most 1000 characters) and, once recorded, is remembered', () => {
  $('rt-comment').value = ' ' + 'о'.repeat(1200) + ' ';
  $('rt-form').fire('submit');
  const f = server().frames('rate')[0];
  assert.equal(f.dialogId, 'd-1');
  assert.equal(f.rating, 3);
  assert.equal(f.comment.length, 1000);
  server().receive({ type: 'rated', dialogId: 'd-1', ref: f.ref });
  assert.equal($('rt-form').hidden, true);
  assert.equal($('rt-done').textContent, RU.rtDone);
  assert.equal($('rt-done').hidden, false);
  assert.deepEqual(JSON.parse(storage.local.items[K + 'rated']), ['d-0', 'd-1']);
});

test('a dialog rated already (here or, FORBIDDEN, elsewhere) shows the thanks, not the form', () => {
  welcome({ dialogs: [{ dialogId: 'd-0', state: 'ASSIGNED' }] });
  server().receive(msg('d-0', 1, { from: 'system', event: 'closed', closedBy: 'visitor' }));
  assert.equal($('rating').hidden, false);
  assert.equal($('rt-form').hidden, true, 'rated here before');
  welcome({ dialogs: [{ dialogId: 'd-5', state: 'ASSIGNED' }] });
  server().receive(msg('d-5', 1, { from: 'system', event: 'closed', closedBy: 'visitor' }));
  assert.equal($('rt-form').hidden, false);
  star(5);
  $('rt-form').fire('submit');
  server().receive({ type: 'error', ref: server().frames('rate').at(-1).ref, code: 'FORBIDDEN' });
  assert.equal($('rt-done').textContent, RU.rtAgain);
  assert.equal(JSON.parse(storage.local.items[K + 'rated']).at(-1), 'd-5');
});

test('offline, nothing is sent and the visitor is told', () => {
  welcome({ dialogs: [{ dialogId: 'd-6', state: 'ASSIGNED' }] });
  server().receive(msg('d-6', 1, { from: 'system', event: 'closed', closedBy: 'visitor' }));
  server().drop();
  star(4);
  $('rt-form').fire('submit');
  assert.equal($('rt-error').textContent, RU.trFail + RU.offline);
});
