import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failedItem, mailItem, takeError } from '../../src/main/resources/static/console/email-view.js';

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

test('a refused take says why: gone from the agent\'s lines, taken by someone else, or the server', () => {
  assert.equal(takeError({ status: 404 }), 'Письмо не найдено на ваших линиях.');
  assert.equal(takeError({ status: 409 }), 'Письмо уже взял другой сотрудник.');
  assert.equal(takeError({ status: 0 }), 'Сервер недоступен.');
  assert.equal(takeError({ status: 503 }), 'Не удалось взять письмо (ошибка 503).');
});
