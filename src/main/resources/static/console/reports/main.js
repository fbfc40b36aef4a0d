/*
 * The Reports screen (/console/reports/) for SUPERVISOR and ADMIN: the period and filters, the tiles, three charts,
 * the list behind any tile, the agents, and CSV links for each. Data from /api/reports/... (docs/reports.md).
 */
import { apiUrl, csvUrl, defaultPeriod } from './query.js';
import { deadlineTotals, duration, number, tiles, total } from './figures.js';
import { deadlinesConfig, draw, trendConfig, waitsConfig } from './charts.js';
import { DEADLINE_COLUMNS, DIALOG_COLUMNS, renderTable, setZone } from './drill.js';

const $ = id => document.getElementById(id);
const lineNames = new Map();

async function getJson(url) {
  const r = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json, application/problem+json' } });
  let body = null;
  try { body = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const error = new Error((body && (body.detail || body.title)) || 'ошибка ' + r.status);
    error.status = r.status;
    throw error;
  }
  return body;
}

function state() {
  return {
    from: $('from').value,
    to: $('to').value,
    step: $('step').value,
    lines: $('line').value ? [$('line').value] : [],
    channel: $('channel').value,
  };
}

function option(select, value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  select.append(o);
}

async function start() {
  let scope;
  try {
    scope = await getJson('/api/reports/scope');
  } catch (e) {
    $('login-needed').hidden = false;
    return;
  }
  $('reports').hidden = false;
  $('zone').textContent = 'время: ' + scope.zone;
  setZone(scope.zone);
  scope.lines.forEach(line => {
    lineNames.set(line.id, line.name);
    option($('line'), line.id, line.name);
  });
  scope.channels.forEach(channel => option($('channel'), channel, channel));
  const period = defaultPeriod(new Date());
  $('from').value = period.from;
  $('to').value = period.to;
  $('filters').addEventListener('submit', event => {
    event.preventDefault();
    load();
  });
  await load();
}

async function load() {
  const s = state();
  $('problem').textContent = '';
  $('csv-figures').href = csvUrl('dialogs/figures', Object.assign({}, s, { by: 'line' }));
  $('csv-agents').href = csvUrl('agents', s);
  try {
    const [totals, trend, waits, deadlines, agents] = await Promise.all([
      getJson(apiUrl('dialogs/figures', Object.assign({}, s, { step: 'period', by: 'all' }))),
      getJson(apiUrl('dialogs/figures', Object.assign({}, s, { by: 'all' }))),
      getJson(apiUrl('dialogs/waits', Object.assign({}, s, { step: 'period', by: 'all' }))),
      getJson(apiUrl('deadlines/figures', Object.assign({}, s, { step: 'period', by: 'line' }))),
      getJson(apiUrl('agents', s)),
    ]);
    renderTiles(tiles(total(totals.rows), deadlineTotals(deadlines.rows)));
    renderAgents(agents.rows);
    await Promise.all([
      draw($('trend'), trendConfig(trend.rows)),
      draw($('waits'), waitsConfig(waits.rows)),
      draw($('deadlines'), deadlinesConfig(deadlines.rows, id => lineNames.get(id) || id)),
    ]);
    document.body.dataset.loaded = 'true';
  } catch (e) {
    $('problem').textContent = e.message;
  }
}

function renderTiles(list) {
  const ul = $('tiles');
  ul.replaceChildren();
  list.forEach(tile => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tile';
    b.dataset.tile = tile.id;
    [['label', tile.label], ['value', tile.value], ['hint', tile.hint]].forEach(([cls, text]) => {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      b.append(span);
    });
    b.addEventListener('click', () => drill(tile));
    li.append(b);
    ul.append(li);
  });
}

async function drill(tile) {
  const s = state();
  const deadlines = tile.drill.kind === 'deadlines';
  const path = deadlines ? 'deadlines' : 'dialogs';
  const extra = deadlines ? { rule: tile.drill.rule, status: tile.drill.status } : { figure: tile.drill.figure };
  $('drill').hidden = false;
  $('drill-title').textContent = tile.label + (deadlines ? ': нарушения' : ': диалоги');
  $('drill-csv').href = csvUrl(path, s, extra);
  try {
    const page = await getJson(apiUrl(path, s, Object.assign({ limit: 500 }, extra)));
    renderTable($('drill-table'), deadlines ? DEADLINE_COLUMNS : DIALOG_COLUMNS, page.rows);
    $('drill-note').textContent = page.rows.length + ' строк' + (page.truncated ? ' (первые; весь список — в CSV)' : '');
    $('drill').scrollIntoView({ block: 'start' });
  } catch (e) {
    $('problem').textContent = e.message;
  }
}

function renderAgents(rows) {
  const body = $('agents').tBodies[0];
  body.replaceChildren();
  rows.forEach(a => {
    const tr = body.insertRow();
    [a.name, number(a.dialogs), number(a.peakAtOnce), number(a.averageLoad, 2), duration(a.onlineSeconds),
      duration(a.awaySeconds), duration(a.offlineSeconds)].forEach(text => {
      tr.insertCell().textContent = text;
    });
  });
}

start();
