import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addFiles, answerFileLinks, failedItem, fileSize, mailItem, takeError, uploadError }
  from '../../src/main/resources/static/console/email-view.js';

const since = '2026-12-07T09:00:00Z', at = m => Date.parse(since) + m * 60000;

test('a waiting mail shows its sender, subject and waiting time; six minutes is long', () => {
  const m = mailItem({ dialogId: 'd1', from: 'ivan@example.org', subject: 'Документы', mailbox: 'abiturient',
    lineId: 'applicant-recruitment', since, preview: 'Какие документы нужны?', previousDialogId: null, bouncing: false }, at(6));
  assert.equal(m.from, 'ivan@example.org');
  assert.equal(m.subject, 'Документы');
  assert.equal(m.where, 'abiturient · applicant-recruitment');
  assert.equal(m.waited, 'ждёт 6 мин');
  assert.equal(m.long, true);
  assert.equal(m.followUp, false);
  assert.equal(m.bouncing, false);
});

test('a mail without a subject or time still reads; a follow-up and a bouncing address are flagged', () => {
  const m = mailItem({ dialogId: 'd2', from: 'x@example.org', subject: '  ', since: null,
    previousDialogId: 'd0', bouncing: true }, at(1));
  assert.equal(m.subject, '(без темы)');
  assert.equal(m.waited, 'ждёт');
  assert.equal(m.long, false);
  assert.equal(m.followUp, true);
  assert.equal(m.bouncing, true);
  assert.equal(mailItem({ dialogId: 'd3', since }, at(0.5)).waited, 'ждёт меньше минуты');
});

test('a failed mail names its mailbox, UID and Message-ID and whether the original is kept', () => {
  const f = failedItem({ id: 'f1', mailbox: 'info', uid: 7, messageId: '<m@x>', from: null, subject: null,
    reason: 'Missing start boundary', rawKept: true });
  assert.equal(f.from, 'отправитель неизвестен');
  assert.equal(f.where, 'ящик info, UID 7, <m@x>');
  assert.equal(f.reason, 'Missing start boundary');
  assert.equal(f.kept, 'исходное письмо сохранено');
  assert.equal(failedItem({ id: 'f2', mailbox: 'info', uid: 8, rawKept: false }).kept, 'исходное письмо не сохранено');
});

test('a mail held past a bound of the hour says why and that it goes into work by itself', () => {
  const f = failedItem({ id: 'f3', mailbox: 'info', uid: 9, state: 'LIMITED', rawKept: true,
    reason: 'Отложено: ящик info@rosdistant.ru за час открыл 100 новых диалогов', heldUntil: '2026-12-07T10:00:00Z' });
  assert.equal(f.held, true);
  assert.equal(f.reason, 'Отложено: ящик info@rosdistant.ru за час открыл 100 новых диалогов');
  assert.equal(f.kept, 'письмо сохранено и войдёт в работу само, когда освободится место');
  assert.equal(failedItem({ id: 'f4', mailbox: 'info', uid: 10, state: 'FAILED' }).held, false);
});

test('a refused take says why: gone from the agent\'s lines, taken by someone else, or the server', () => {
  assert.equal(takeError({ status: 404 }), 'Письмо не найдено на ваших линиях.');
  assert.equal(takeError({ status: 409 }), 'Письмо уже взял другой сотрудник.');
  assert.equal(takeError({ status: 0 }), 'Сервер недоступен.');
  assert.equal(takeError({ status: 503 }), 'Не удалось взять письмо (ошибка 503).');
});

const file = (name, size) => ({ name, size });

test('files picked for an answer stay within its bounds: ten files, 16 MB in all, a name once', () => {
  const mb = 1024 * 1024;
  let r = addFiles([], [file('a.pdf', 10 * mb), file('b.pdf', 7 * mb), file('c.pdf', 6 * mb), file('a.pdf', 1)]);
  assert.deepEqual(r.files.map(f => f.name), ['a.pdf', 'c.pdf']);
  assert.deepEqual(r.refused, ['b.pdf: все файлы ответа — не больше 16.0 МБ']);
  const ten = Array.from({ length: 10 }, (_, i) => file('f' + i + '.txt', 1));
  r = addFiles(ten, [file('f10.txt', 1)]);
  assert.equal(r.files.length, 10);
  assert.deepEqual(r.refused, ['f10.txt: не больше 10 файлов в ответе']);
});

test('sizes read in bytes, kilobytes and megabytes', () => {
  assert.equal(fileSize(512), '512 Б');
  assert.equal(fileSize(1536), '1.5 КБ');
  assert.equal(fileSize(300 * 1024), '300 КБ');
  assert.equal(fileSize(2.5 * 1024 * 1024), '2.5 МБ');
});

test('the history lists each answer\'s files by its client id, with name, size and the download link', () => {
  const links = answerFileLinks([
    { clientMsgId: 'a1', seq: 4, files: [{ id: 'f1', name: 'Справка.pdf', size: 2048, url: '/api/email/reply-files/f1' },
      { id: 'f2', name: 'scan.bin', size: 3, url: '/api/email/reply-files/f2' }] },
    { clientMsgId: 'a2', seq: null, files: [] }]);
  assert.deepEqual(links.get('a1'), [
    { name: 'Справка.pdf', text: 'Справка.pdf (2.0 КБ)', href: '/api/email/reply-files/f1' },
    { name: 'scan.bin', text: 'scan.bin (3 Б)', href: '/api/email/reply-files/f2' }]);
  assert.deepEqual(links.get('a2'), []);
  assert.equal(answerFileLinks(null).size, 0);
});

test('a refused upload says which file and why', () => {
  assert.equal(uploadError('a.pdf', { status: 413 }),
    'Файл «a.pdf» не прикреплён: слишком много или слишком большие файлы для одного ответа.');
  assert.equal(uploadError('a.pdf', { status: 409 }), 'Файл «a.pdf» не прикреплён: ответ уже отправлен или диалог завершён.');
  assert.equal(uploadError('a.pdf', { status: 503, body: { detail: 'All upload slots are taken' } }),
    'Файл «a.pdf» не прикреплён: All upload slots are taken.');
});
