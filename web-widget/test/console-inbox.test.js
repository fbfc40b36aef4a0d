import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDialogs, countdownText, deadlineOf, waitingLong, waitingText } from '../../src/main/resources/static/console/inbox-view.js';

const d = (id, summary) => ({ id, summary });
const order = list => list.slice().sort(compareDialogs).map(x => x.id);

test('the dialog list: the person waiting longest first, then those answered (assigned longest ago first), closed last', () => {
  const list = [
    d('answered-late', { state: 'ASSIGNED', waitingSince: null, assignedAt: '2026-12-07T09:05:00Z', openedAt: '2026-12-07T09:00:00Z' }),
    d('closed', { state: 'CLOSED', openedAt: '2026-12-07T08:00:00Z' }),
    d('waits-short', { state: 'ASSIGNED', waitingSince: '2026-12-07T09:10:00Z', openedAt: '2026-12-07T09:00:00Z' }),
    d('answered-early', { state: 'ASSIGNED', waitingSince: null, assignedAt: '2026-12-07T09:01:00Z', openedAt: '2026-12-07T09:00:00Z' }),
    d('waits-long', { state: 'ASSIGNED', waitingSince: '2026-12-07T09:02:00Z', openedAt: '2026-12-07T09:01:00Z' })
  ];
  assert.deepEqual(order(list), ['waits-long', 'waits-short', 'answered-early', 'answered-late', 'closed']);
});

test('"ждёт N мин" moves with the clock and is empty when nobody waits; five minutes is long', () => {
  const since = '2026-12-07T09:00:00Z', at = m => Date.parse(since) + m * 60000;
  assert.equal(waitingText(null, at(3)), '');
  assert.equal(waitingText(since, at(0.5)), 'ждёт меньше минуты');
  assert.equal(waitingText(since, at(7)), 'ждёт 7 мин');
  assert.equal(waitingText(since, at(75)), 'ждёт 1 ч 15 мин');
  assert.equal(waitingLong(since, at(4)), false);
  assert.equal(waitingLong(since, at(5)), true);
});

test('the triage countdown: from deadlineAt, else from the seconds at load; not started while the dialog is open', () => {
  const now = Date.parse('2026-12-07T09:00:00Z');
  assert.equal(countdownText(deadlineOf({ deadlineAt: '2026-12-07T09:07:42Z' }, now), now, 600), 'осталось 7:42');
  assert.equal(countdownText(deadlineOf({ waitedSeconds: 30, deadlineSeconds: 600 }, now), now, 600), 'осталось 9:30');
  assert.equal(countdownText(deadlineOf({ waitedSeconds: 800, deadlineSeconds: 600 }, now), now, 600),
    'срок разбора истёк 3 мин назад');
  assert.equal(deadlineOf({ sinceEndSeconds: null, waitedSeconds: 0 }, now), null);
  assert.equal(countdownText(null, now, 600), '10 мин на разбор — с момента завершения диалога');
});
