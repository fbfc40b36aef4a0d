/*
 * The list behind a tile: the dialogs of a figure, or the dialogs and tasks of a deadline rule. Text goes into the
 * table with textContent only.
 */
import { duration } from './figures.js';

// Times show in the report's zone (Europe/Samara), wherever the browser is.
let zone;
export function setZone(id) { zone = id; }
const time = at => (at ? new Date(at).toLocaleString('ru', { timeZone: zone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' }) : '');

const OUTCOMES = { ANSWERED: 'принят', ABANDONED: 'ушёл', MISSED: 'пропущен', OUT_OF_HOURS: 'нерабочее время', WAITING: 'ждёт' };
const STATUSES = { KEPT: 'соблюдён', MISSED: 'нарушен', PENDING: 'в работе' };
const RULES = { TRIAGE: 'разбор', CLASSIFICATION: 'классификация', TASK: 'задача' };

export const DIALOG_COLUMNS = [
  ['Диалог', r => r.dialogId.slice(0, 8)], ['Линия', r => r.offeredLine], ['Канал', r => r.channel],
  ['Оператор', r => r.agent || ''], ['Исход', r => OUTCOMES[r.outcome] || r.outcome], ['В очереди', r => time(r.queuedAt)],
  ['Ожидание', r => duration(r.waitSeconds)], ['Первый ответ', r => duration(r.firstResponseSeconds)],
  ['Длительность', r => duration(r.handleSeconds)], ['Сообщений', r => String(r.messages)],
  ['Оценка', r => (r.rating == null ? '' : String(r.rating))], ['Тип', r => r.appealType || ''],
  ['Комментарий', r => r.ratingComment || '', 'comment'],
];

export const DEADLINE_COLUMNS = [
  ['Правило', r => RULES[r.rule] || r.rule], ['Диалог', r => (r.dialogId || '').slice(0, 8)], ['Линия', r => r.line],
  ['Оператор', r => r.agent || ''], ['Начало', r => time(r.started)], ['Срок', r => time(r.due)],
  ['Выполнено', r => time(r.doneAt)], ['Статус', r => STATUSES[r.status] || r.status],
  ['Эскалаций', r => String(r.escalations)],
];

export function renderTable(table, columns, rows) {
  const head = table.tHead;
  const body = table.tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  const tr = head.insertRow();
  columns.forEach(([title]) => {
    const th = document.createElement('th');
    th.textContent = title;
    tr.append(th);
  });
  rows.forEach(row => {
    const line = body.insertRow();
    columns.forEach(([, value, cls]) => {
      const td = line.insertCell();
      td.textContent = value(row);
      if (cls) td.className = cls;
    });
  });
}
