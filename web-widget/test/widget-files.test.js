import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FILE, fileUrl, retryDelay, upload, uploadFailure, download, fileLink } from '../src/widget/files.js';
import { TEXTS } from '../src/widget/i18n.js';
import { fakeDocument, fakeFetch } from './fakes.js';

const RU = TEXTS.ru;
const file = { name: 'справка.pdf', type: 'application/pdf', size: 10 };

function waits() {
  const w = async ms => { w.calls.push(ms); };
  w.calls = [];
  return w;
}

test('the file is posted with the token and its type, and a 201 gives its ack', async () => {
  const fetch = fakeFetch([{ status: 201, body: { clientMsgId: 'c1', seq: 4 } }]), wait = waits();
  const url = fileUrl('https://gw/api/widget/files', { site: 'main', dialogId: 'd1', clientMsgId: 'c1', name: file.name });
  assert.deepEqual(await upload(file, { url, token: 't1', fetch, wait }), { status: 201, body: { clientMsgId: 'c1', seq: 4 } });
  assert.equal(fetch.calls.length, 1);
  assert.equal(fetch.calls[0].url, 'https://gw/api/widget/files?site=main&dialogId=d1&clientMsgId=c1&name=%D1%81%D0%BF%D1%80%D0%B0%D0%B2%D0%BA%D0%B0.pdf');
  assert.equal(fetch.calls[0].init.method, 'POST');
  assert.equal(fetch.calls[0].init.body, file);
  assert.deepEqual(fetch.calls[0].init.headers, { Authorization: 'Bearer t1', 'Content-Type': 'application/pdf' });
  assert.deepEqual(wait.calls, []);
});

test('a file without a type goes as octet-stream', async () => {
  const fetch = fakeFetch([{ status: 201, body: {} }]);
  await upload({ name: 'x' }, { url: 'u', token: 't', fetch, wait: waits() });
  assert.equal(fetch.calls[0].init.headers['Content-Type'], 'application/octet-stream');
});

test('a 503 is tried again after its Retry-After, 5 s without one, a minute at most', async () => {
  const fetch = fakeFetch([
    { status: 503, headers: { 'Retry-After': '2' }, body: { title: 'Unavailable' } },
    { status: 503 },
    { status: 503, headers: { 'Retry-After': '600' } },
    { status: 201, body: { clientMsgId: 'c1' } }]);
  const wait = waits();
  const r = await upload(file, { url: 'u', token: 't', fetch, wait });
  assert.equal(r.status, 201);
  assert.deepEqual(wait.calls, [2000, 5000, 60000]);
  assert.equal(fetch.calls.length, 4);
});

test('the gateway still refusing after six tries is a failure with its answer', async () => {
  const fetch = fakeFetch([{ status: 503, headers: { 'Retry-After': '1' }, body: { detail: 'Хранилище недоступно' } }]);
  const wait = waits();
  const r = await upload(file, { url: 'u', token: 't', fetch, wait });
  assert.equal(fetch.calls.length, 6);
  assert.deepEqual(wait.calls, [1000, 1000, 1000, 1000, 1000], 'the failure shows at once after the last try');
  assert.deepEqual(r, { status: 503, body: { detail: 'Хранилище недоступно' } });
  assert.equal(uploadFailure(r.status, r.body, RU), 'Хранилище недоступно');
});

test('no answer at all is not tried again and says the network failed', async () => {
  const fetch = fakeFetch([new TypeError('Failed to fetch')]), wait = waits();
  const r = await upload(file, { url: 'u', token: 't', fetch, wait });
  assert.deepEqual(r, { status: null, body: {} });
  assert.equal(fetch.calls.length, 1);
  assert.equal(uploadFailure(r.status, r.body, RU), RU.fNet);
});

test('a refused size or rate says the quota; other refusals their detail, else the network', async () => {
  assert.equal(uploadFailure(413, {}, RU), RU.quota);
  assert.equal(uploadFailure(429, { detail: 'x' }, RU), RU.quota);
  assert.equal(uploadFailure(400, { detail: 'Пустой файл' }, RU), 'Пустой файл');
  assert.equal(uploadFailure(500, {}, RU), RU.fNet);
  assert.equal(MAX_FILE, 16 * 1024 * 1024);
});

test('a download sends the token and saves the file under its name; a refusal saves nothing', async () => {
  const doc = fakeDocument();
  const ok = fakeFetch([{ status: 200, blob: 'bytes' }]);
  assert.equal(await download('a.pdf', { url: 'u', token: 't2', fetch: ok, doc, objectUrl: b => 'blob:' + b.blob }), true);
  assert.deepEqual(ok.calls[0].init, { headers: { Authorization: 'Bearer t2' } });
  const saved = doc.made.find(e => e.tagName === 'A');
  assert.equal(saved.href, 'blob:bytes');
  assert.equal(saved.download, 'a.pdf');
  assert.equal(saved.clicks, 1);
  const refused = fakeDocument();
  assert.equal(await download('a.pdf', { url: 'u', token: 't', fetch: fakeFetch([{ status: 404 }]), doc: refused, objectUrl: String }), false);
  assert.equal(refused.made.length, 0);
});

test('a message gets one download link, as text, before its meta line', () => {
  const doc = fakeDocument(), el = doc.createElement('div');
  el.append(doc.createElement('div'), doc.createElement('div'));
  let opened = 0;
  fileLink(el, '<b>a</b>.pdf', RU, () => opened++);
  fileLink(el, '<b>a</b>.pdf', RU, () => opened++);
  assert.equal(el.children.length, 3);
  const a = el.children[1];
  assert.equal(a.textContent, RU.dl + ': <b>a</b>.pdf');
  assert.equal(a.className, 'dl');
  a.click();
  assert.equal(opened, 1);
});
