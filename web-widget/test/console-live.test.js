import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineAlert, liveRow, maySetOffline, minutes, shownLines, summaryOf } from '../../src/main/resources/static/console/live-view.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');

test('the live view shows the lines with someone waiting, an agent, a live dialog or a delay; all when asked', () => {
  const lines = [
    { line: 'empty', waiting: 0, agents: [], dialogs: [], overdueTriage: 0, overdueTasks: 0 },
    { line: 'busy', waiting: 0, agents: [], dialogs: [{ dialogId: 'x' }], overdueTriage: 0, overdueTasks: 0 },
    { line: 'late', waiting: 0, agents: [], overdueTriage: 0, overdueTasks: 2 },
    { line: 'staffed', waiting: 0, agents: [{ agentId: 1 }], overdueTriage: 0, overdueTasks: 0 }
  ];
  assert.deepEqual(shownLines(lines, false).map(l => l.line), ['busy', 'late', 'staffed']);
  assert.equal(shownLines(lines, true).length, 4);
  assert.deepEqual(shownLines(undefined, true), []);
});

test('a line alerts when people wait with nobody online or longer than 5 minutes', () => {
  assert.equal(lineAlert({ waiting: 1, agentsOnline: 0, longestWaitSeconds: 10 }), true);
  assert.equal(lineAlert({ waiting: 1, agentsOnline: 2, longestWaitSeconds: 301 }), true);
  assert.equal(lineAlert({ waiting: 1, agentsOnline: 2, longestWaitSeconds: 300 }), false);
  assert.equal(lineAlert({ waiting: 0, agentsOnline: 0, longestWaitSeconds: 0 }), false);
  assert.equal(minutes(125), '2:05');
});

test('a waiting dialog says how long it has been in the line, red past 5 minutes, and may be taken over', () => {
  const row = liveRow({ dialogId: 'd1', state: 'WAITING', visitorName: 'Иван', site: 'lk', channel: 'WIDGET',
    queuedAt: '2026-12-07T09:53:00Z' }, NOW, 7);
  assert.deepEqual(row, { id: 'd1', who: 'Иван', from: 'lk', state: 'в очереди, ждёт 7 мин', waiting: true,
    long: true, mayTakeOver: true });
});

test('a held dialog names its agent and whether the person waits for an answer; the own one is not taken over', () => {
  const answered = liveRow({ dialogId: 'd2', state: 'ASSIGNED', agentId: 7, agentName: 'Анна', channel: 'TELEGRAM',
    site: 'tg', waitingSince: null }, NOW, 7);
  assert.equal(answered.state, 'Анна');
  assert.equal(answered.from, 'tg · TELEGRAM');
  assert.equal(answered.who, 'Посетитель');
  assert.equal(answered.long, false);
  assert.equal(answered.mayTakeOver, false);
  const waits = liveRow({ dialogId: 'd3', state: 'ASSIGNED', agentId: 8, agentName: 'Олег',
    waitingSince: '2026-12-07T09:58:30Z' }, NOW, 7);
  assert.equal(waits.state, 'Олег — посетитель ждёт 1 мин');
  assert.equal(waits.mayTakeOver, true);
});

test('the supervisor may set offline a present agent, never themselves or one offline already', () => {
  assert.equal(maySetOffline({ agentId: 2, presence: 'ONLINE' }, 1), true);
  assert.equal(maySetOffline({ agentId: 2, presence: 'AWAY' }, 1), true);
  assert.equal(maySetOffline({ agentId: 2, presence: 'OFFLINE' }, 1), false);
  assert.equal(maySetOffline({ agentId: 1, presence: 'ONLINE' }, 1), false);
});

test('a live dialog opened read-only carries the fields of a dialog frame', () => {
  const s = summaryOf({ dialogId: 'd4', line: 'x', state: 'ASSIGNED', agentId: 3, agentName: 'Анна', visitorName: null,
    site: 'lk', channel: 'WIDGET', openedAt: 'o', queuedAt: 'q', assignedAt: 'a', waitingSince: 'w' });
  assert.deepEqual(s, { dialogId: 'd4', state: 'ASSIGNED', agentId: 3, agentName: 'Анна', visitorName: null,
    site: 'lk', channel: 'WIDGET', openedAt: 'o', assignedAt: 'a', waitingSince: 'w' });
});
