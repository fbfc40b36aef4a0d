/*
 * The Reports screen's query: the period and filters as the form holds them, turned into the API's query string
 * (/api/reports/..., docs/reports.md) and into CSV links. Pure functions, tested with node --test.
 */

const pad = n => String(n).padStart(2, '0');
export const iso = d => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());

// The default period: the last 30 days up to today.
export function defaultPeriod(today) {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  return { from: iso(from), to: iso(today) };
}

// {from, to, step, by, lines: [], channel, site, agent} → "from=…&to=…&…" (empty values left out).
export function queryString(state, extra) {
  const p = new URLSearchParams();
  const put = (k, v) => { if (v !== undefined && v !== null && v !== '') p.append(k, String(v)); };
  put('from', state.from);
  put('to', state.to);
  put('step', state.step);
  put('by', state.by);
  (state.lines || []).forEach(line => put('line', line));
  put('channel', state.channel);
  put('site', state.site);
  put('agent', state.agent);
  Object.entries(extra || {}).forEach(([k, v]) => put(k, v));
  return p.toString();
}

export const apiUrl = (path, state, extra) => '/api/reports/' + path + '?' + queryString(state, extra);

// The CSV link of a view: the same query on the path with ".csv", semicolons for a Russian Excel.
export const csvUrl = (path, state, extra) =>
  apiUrl(path + '.csv', state, Object.assign({ delimiter: 'semicolon' }, extra || {}));
