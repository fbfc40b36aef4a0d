// transcript.js: a copy of the dialog mailed once to the address the visitor gives while the dialog lasts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, msg } from './widget-page.js';
import { TEXTS } from '../src/widget/i18n.js';

const RU = TEXTS.ru;
const page = await startWidget();
const { $, server, welcome } = page;
const sent = () => server().frames('transcript');

test('no box without a dialog; with one, the box has the page’s address', () => {
  globalThis.RosdistantChat.setContact({ email: 'ivan@example.ru' });
  welcome();
  assert.equal($('transcript').hidden, true);
  welcome({ dialogs: [{ dialogId: 'd-1', state: 'ASSIGNED', agentName: 'Анна' }] });
  assert.equal($('transcript').hidden, false);
  assert.equal($('tr-email').value, 'ivan@example.ru');
});

test('an empty address is refused here; a given one is asked for with a ref and confirmed when queued', () => {
  $('tr-email').value = '  ';
  $('tr-form').fire('submit');
  assert.equal($('tr-error').textContent, RU.trEmpty);
  assert.equal($('tr-email').getAttribute('aria-invalid'), 'true');
  assert.equal(sent().length, 0);
  $('tr-email').value = ' anna@example.ru ';
  $('tr-form').fire('submit');
  const f = sent()[0];
  assert.deepEqual({ ...f, ref: undefined }, { type: 'transcript', dialogId: 'd-1', email: 'anna@example.ru', ref: undefined });
  assert.equal($('tr-email').hasAttribute('aria-invalid'), false);
  server().receive({ type: 'transcript_queued', ref: 'another' });
  assert.equal($('tr-done').hidden, true);
  server().receive({ type: 'transcript_queued', ref: f.ref });
  assert.equal($('tr-done').hidden, false);
  assert.equal($('tr-done').textContent, RU.trDone('anna@example.ru'));
});

test('an address the gateway refuses is marked; another error is said in the visitor’s words', () => {
  $('tr-form').fire('submit');
  server().receive({ type: 'error', ref: sent().at(-1).ref, code: 'INVALID_FIELD' });
  assert.equal($('tr-error').textContent, RU.trBad);
  assert.equal(page.doc.activeElement, $('tr-email'));
  $('tr-form').fire('submit');
  server().receive({ type: 'error', ref: sent().at(-1).ref, code: 'TRANSCRIPT_ADDRESS' });
  assert.equal($('tr-error').textContent, RU.trFail + RU.err.TRANSCRIPT_ADDRESS);
});

test('the box starts afresh for another dialog; offline, the visitor is told', () => {
  welcome({ dialogs: [{ dialogId: 'd-2', state: 'WAITING' }] });
  assert.equal($('tr-error').textContent, '');
  assert.equal($('tr-done').hidden, true);
  server().receive(msg('d-2', 1, { from: 'system', event: 'closed', closedBy: 'agent' }));
  assert.equal($('transcript').hidden, false, 'a closed dialog may still be mailed');
  server().drop();
  $('tr-form').fire('submit');
  assert.equal($('tr-error').textContent, RU.trFail + RU.offline);
});
