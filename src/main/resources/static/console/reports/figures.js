/*
 * The tiles of the Reports screen, from the period's totals (dialog figures with by=all, step=period) and the
 * deadline figures. Each tile says what list lies behind it (drill). Pure functions, tested with node --test.
 */

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return s + ' с';
  if (s < 3600) return Math.floor(s / 60) + ' мин ' + String(s % 60).padStart(2, '0') + ' с';
  return Math.floor(s / 3600) + ' ч ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' мин';
}

export const percent = share => (share === null || share === undefined ? '—' : Math.round(share * 1000) / 10 + ' %');

export const number = (value, digits) =>
  value === null || value === undefined ? '—' : Number(value).toLocaleString('ru', { maximumFractionDigits: digits || 0 });

// Sums the rows of several groups into one (for when the API answered per group).
export function total(rows) {
  if (!rows || rows.length === 0) return null;
  if (rows.length === 1) return rows[0];
  const sum = key => rows.reduce((acc, row) => acc + (row[key] || 0), 0);
  const out = {};
  ['offered', 'answered', 'abandoned', 'missed', 'outOfHours', 'waiting', 'rated', 'complaints'].forEach(k => {
    out[k] = sum(k);
  });
  out.waitMax = Math.max(...rows.map(r => r.waitMax || 0));
  out.ratedShare = out.answered ? out.rated / out.answered : null;
  return out;
}

// Per rule, summed over groups: {TRIAGE: {kept, missed, pending, escalations, share}, …}
export function deadlineTotals(rows) {
  const out = {};
  (rows || []).forEach(row => {
    const t = out[row.rule] || (out[row.rule] = { kept: 0, missed: 0, pending: 0, escalations: 0 });
    t.kept += row.kept;
    t.missed += row.missed;
    t.pending += row.pending;
    t.escalations += row.escalations;
  });
  Object.values(out).forEach(t => { t.share = t.kept + t.missed ? t.kept / (t.kept + t.missed) : null; });
  return out;
}

// The tiles: [{id, label, value, hint, drill: {kind: 'dialogs', figure} | {kind: 'deadlines', rule, status}}]
export function tiles(totals, deadlines) {
  const t = totals || {};
  const d = deadlines || {};
  const rule = (id, label, name) => {
    const r = d[name] || { kept: 0, missed: 0, pending: 0, share: null };
    return {
      id, label, value: percent(r.share),
      hint: 'соблюдено ' + r.kept + ', нарушено ' + r.missed + (r.pending ? ', в работе ' + r.pending : ''),
      drill: { kind: 'deadlines', rule: name, status: 'MISSED' },
    };
  };
  return [
    { id: 'offered', label: 'Обращений', value: number(t.offered), hint: 'встали в очередь', drill: { kind: 'dialogs', figure: 'offered' } },
    { id: 'answered', label: 'Принято', value: number(t.answered), hint: 'оператор взял диалог', drill: { kind: 'dialogs', figure: 'answered' } },
    { id: 'abandoned', label: 'Ушли из очереди', value: number(t.abandoned), hint: 'посетитель ушёл, не дождавшись', drill: { kind: 'dialogs', figure: 'abandoned' } },
    { id: 'missed', label: 'Пропущено', value: number(t.missed), hint: 'ожидание дольше предела → офлайн-форма', drill: { kind: 'dialogs', figure: 'missed' } },
    { id: 'wait', label: 'Ожидание p50 / p90', value: duration(t.waitP50) + ' / ' + duration(t.waitP90), hint: 'максимум ' + duration(t.waitMax), drill: { kind: 'dialogs', figure: 'answered' } },
    { id: 'first-response', label: 'Первый ответ p50 / p90', value: duration(t.firstResponseP50) + ' / ' + duration(t.firstResponseP90), hint: 'максимум ' + duration(t.firstResponseMax), drill: { kind: 'dialogs', figure: 'answered' } },
    { id: 'handle', label: 'Длительность диалога', value: duration(t.handleAvg), hint: 'медиана ' + duration(t.handleP50) + ', сообщений ' + number(t.messagesAvg, 1), drill: { kind: 'dialogs', figure: 'answered' } },
    { id: 'rating', label: 'Оценка', value: number(t.ratingAvg, 2), hint: 'оценили ' + percent(t.ratedShare) + ' (' + number(t.rated) + ')', drill: { kind: 'dialogs', figure: 'rated' } },
    { id: 'complaints', label: 'Жалоб', value: number(t.complaints), hint: 'директору ЦМОУиПА ' + number(t.complaintsToMarketingDirector) + ', начальнику УСУП ' + number(t.complaintsToHeadOfStudentAffairs), drill: { kind: 'dialogs', figure: 'complaint' } },
    rule('triage', 'Разбор за 10 минут', 'TRIAGE'),
    rule('classification', 'Классификация за рабочий день', 'CLASSIFICATION'),
    Object.assign(rule('tasks', 'Задачи в срок', 'TASK'), { hint: 'нарушено ' + ((d.TASK || {}).missed || 0) + ', эскалаций ' + ((d.TASK || {}).escalations || 0) }),
  ];
}
