// files.js: files in the dialog go over HTTP with the visitor's token, the upload tried again while the store is busy.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { startWidget, fakeFetch, msg } from './widget-page.js';
import { settle } from './fakes.js';

const page = await startWidget({ site: 'main' });
const { $, server, welcome } = page;
const list = $('messages');

welcome({ dialogs: [{ dialogId: 'd-1', state: 'ASSIGNED', agentName: 'Анна' }] });
server().receive({ type: 'resumed', dialogId: 'd-1' });

const file = { name: 'справка.pdf', size: 1000, type: 'application/pdf' };

test('a file goes over HTTP with the token; a 503 is tried again after its Retry-After, six times at most', async () => {
  globalThis.fetch = fakeFetch([{ status: 503, headers: { 'Retry-After': '2' }, body: { detail: 'Хранилище недоступно' } }]);
  $('file').files = [file];
  $('file').fire('change');
  const el = list.children.at(-1);
  assert.equal(el.dataset.state, 'sending');
  for (let n = 0; n < 5; n++) { await settle(); mock.timers.tick(2000); }
  await settle();
  const calls = globalThis.fetch.calls;
  assert.equal(calls.length, 6);
  assert.equal(el.dataset.state, 'failed', 'told at once after the sixth try, not after another wait');
  assert.match(calls[0].url, /^https:\/\/gw\.example\/api\/widget\/files\?site=main&dialogId=d-1&clientMsgId=[\w-]+&name=%D1/);
  assert.equal(calls[0].init.headers.Authorization, 'Bearer tok-1');
  assert.equal(calls[0].init.body, file);
  assert.equal(el.dataset.state, 'failed');
  assert.match(el.lastChild.textContent, /Хранилище недоступно$/);
});

test('a file over 16 MB is refused before any upload; a stored one is sent with a link that fetches it', async () => {
  globalThis.fetch = fakeFetch([{ status: 201, body: { clientMsgId: 'x', seq: 9, at: '2026-12-07T09:02:00Z' } }]);
  $('file').files = [{ name: 'big.zip', size: 16777217 }];
  $('file').fire('change');
  assert.equal(globalThis.fetch.calls.length, 0);
  assert.match(list.children.at(-1).lastChild.textContent, /файл больше 16 МБ/);
  server().receive(msg('d-1', 10, { from: 'agent', event: 'file', fileName: 'ответ.pdf', clientMsgId: 'f-1', text: 'ответ.pdf' }));
  const link = list.children.find(el => el.dataset.seq === '10').children.find(c => c.className === 'dl');
  assert.equal(link.textContent, 'Скачать: ответ.pdf');
  globalThis.fetch = fakeFetch([{ status: 200, blob: 'bytes' }]);
  const made = [];
  globalThis.URL.createObjectURL = b => { made.push(b); return 'blob:1'; };
  link.click();
  await settle();
  assert.equal(globalThis.fetch.calls[0].url, 'https://gw.example/api/widget/files?site=main&dialogId=d-1&clientMsgId=f-1');
  assert.equal(globalThis.fetch.calls[0].init.headers.Authorization, 'Bearer tok-1');
  assert.deepEqual(made, [{ blob: 'bytes' }]);
});

test('the attach button opens the file picker only while the dialog is open', () => {
  assert.equal($('attach').disabled, false);
  $('attach').click();
  assert.equal($('file').clicks, 1);
  server().receive(msg('d-1', 11, { from: 'system', event: 'closed', closedBy: 'agent' }));
  assert.equal($('attach').disabled, true);
  globalThis.fetch = fakeFetch([{ status: 201, body: {} }]);
  $('file').files = [file];
  $('file').fire('change');
  assert.equal(globalThis.fetch.calls.length, 0, 'no upload into a closed dialog');
});
