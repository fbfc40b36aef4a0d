import { test } from 'node:test';
import assert from 'node:assert/strict';

import { apiUrl, csvUrl, defaultPeriod, queryString } from '../../src/main/resources/static/console/reports/query.js';
import { deadlineTotals, duration, percent, tiles, total } from '../../src/main/resources/static/console/reports/figures.js';
import { deadlinesConfig, trendConfig, waitsConfig } from '../../src/main/resources/static/console/reports/charts.js';

test('the query string carries the period and filters and leaves out the empty ones', () => {
  const q = queryString({ from: '2026-05-04', to: '2026-05-15', step: 'day', lines: ['lab140', 'dispatcher'], channel: '' });
  assert.equal(q, 'from=2026-05-04&to=2026-05-15&step=day&line=lab140&line=dispatcher');
  assert.equal(apiUrl('dialogs', { from: 'a', to: 'b' }, { figure: 'rated' }), '/api/reports/dialogs?from=a&to=b&figure=rated');
  assert.equal(csvUrl('dialogs', { from: 'a', to: 'b' }), '/api/reports/dialogs.csv?from=a&to=b&delimiter=semicolon');
});

test('the default period is the last 30 days', () => {
  assert.deepEqual(defaultPeriod(new Date(2026, 4, 15)), { from: '2026-04-16', to: '2026-05-15' });
});

test('durations and shares read as people say them', () => {
  assert.equal(duration(null), '—');
  assert.equal(duration(45), '45 с');
  assert.equal(duration(228), '3 мин 48 с');
  assert.equal(duration(3725), '1 ч 02 мин');
  assert.equal(percent(2 / 3), '66.7 %');
});

test('deadline totals sum the lines and count the share of the decided ones', () => {
  const totals = deadlineTotals([
    { rule: 'CLASSIFICATION', kept: 2, missed: 1, pending: 2, escalations: 0 },
    { rule: 'CLASSIFICATION', kept: 1, missed: 0, pending: 0, escalations: 0 },
    { rule: 'TASK', kept: 1, missed: 1, pending: 0, escalations: 1 },
  ]);
  assert.equal(totals.CLASSIFICATION.share, 0.75);
  assert.equal(totals.TASK.escalations, 1);
});

test('each tile says what list lies behind it', () => {
  const list = tiles(total([{ offered: 7, answered: 5, rated: 3, ratedShare: 0.6, waitP50: 60, waitP90: 228 }]), {});
  const byId = Object.fromEntries(list.map(t => [t.id, t]));
  assert.equal(byId.offered.value, '7');
  assert.deepEqual(byId.missed.drill, { kind: 'dialogs', figure: 'missed' });
  assert.deepEqual(byId.triage.drill, { kind: 'deadlines', rule: 'TRIAGE', status: 'MISSED' });
  assert.equal(byId.wait.value, '1 мин 00 с / 3 мин 48 с');
});

test('the charts get their series from the report rows', () => {
  const trend = trendConfig([{ bucket: '2026-05-04', offered: 2, answered: 2, missed: 0, abandoned: 0 }]);
  assert.deepEqual(trend.data.labels, ['04.05']);
  assert.deepEqual(trend.data.datasets[0].data, [2]);
  const waits = waitsConfig([{ fromSeconds: 0, upToSeconds: 30, dialogs: 1 }, { fromSeconds: 600, upToSeconds: null, dialogs: 0 }]);
  assert.deepEqual(waits.data.labels, ['0 с–30 с', 'от 10 мин']);
  const deadlines = deadlinesConfig([{ key: 'lab140', rule: 'CLASSIFICATION', kept: 2, missed: 3 }], id => 'Линия ' + id);
  assert.deepEqual(deadlines.data.labels, ['Линия lab140']);
  assert.deepEqual(deadlines.data.datasets[1].data, [40]);
  assert.deepEqual(deadlines.data.datasets[0].data, [null]);
});
