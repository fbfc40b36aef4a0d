/*
 * The Reports screen's three charts, drawn with Chart.js (bundled to ./vendor/chart.js by the build; docs/reports.md
 * says why Chart.js). The configurations are pure functions (tested with node --test); draw() loads the library only
 * when a chart is drawn.
 */

const COLORS = { offered: '#4b6584', answered: '#20bf6b', missed: '#eb3b5a', abandoned: '#f7b731', kept: '#20bf6b' };

const dayLabel = iso => iso.split('-').reverse().slice(0, 2).join('.');

// The trend: offered, answered, missed and abandoned dialogs per bucket (rows of by=all).
export function trendConfig(rows) {
  const labels = rows.map(r => dayLabel(r.bucket));
  const line = (key, label) => ({ label, data: rows.map(r => r[key]), borderColor: COLORS[key], backgroundColor: COLORS[key], tension: 0.2 });
  return {
    type: 'line',
    data: { labels, datasets: [line('offered', 'обращений'), line('answered', 'принято'), line('missed', 'пропущено'), line('abandoned', 'ушли')] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

const barLabel = bar => {
  const m = s => (s < 60 ? s + ' с' : s / 60 + ' мин');
  if (bar.upToSeconds === null || bar.upToSeconds === undefined) return 'от ' + m(bar.fromSeconds);
  return m(bar.fromSeconds) + '–' + m(bar.upToSeconds);
};

// The distribution of waits: answered dialogs per bar of the wait histogram.
export function waitsConfig(bars) {
  return {
    type: 'bar',
    data: { labels: bars.map(barLabel), datasets: [{ label: 'диалогов', data: bars.map(b => b.dialogs), backgroundColor: COLORS.offered }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

const RULES = [['TRIAGE', 'разбор', '#4b6584'], ['CLASSIFICATION', 'классификация', '#20bf6b'], ['TASK', 'задачи', '#f7b731']];

// Deadlines kept per line: one bar per rule and line, the share kept in percent (rows of by=line, step=period).
export function deadlinesConfig(rows, lineName) {
  const lines = [...new Set(rows.map(r => r.key))];
  const name = lineName || (id => id);
  const share = (line, rule) => {
    const r = rows.find(x => x.key === line && x.rule === rule);
    return r && r.kept + r.missed ? Math.round((r.kept / (r.kept + r.missed)) * 1000) / 10 : null;
  };
  return {
    type: 'bar',
    data: { labels: lines.map(name), datasets: RULES.map(([rule, label, color]) => ({ label, data: lines.map(l => share(l, rule)), backgroundColor: color })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100, ticks: { callback: v => v + ' %' } } } },
  };
}

const drawn = new Map();

// Draws (or redraws) a chart on the canvas.
export async function draw(canvas, config) {
  const { Chart } = await import('./vendor/chart.js');
  const old = drawn.get(canvas);
  if (old) old.destroy();
  drawn.set(canvas, new Chart(canvas, config));
}
