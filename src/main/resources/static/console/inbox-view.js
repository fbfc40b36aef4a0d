// What the inbox says and in which order, as pure functions of the API's fields (no DOM): the dialog list's order
// and "ждёт N мин", the triage countdown. Tested by web-widget/test/console-inbox.test.js.

const instant = v => (v ? Date.parse(v) || 0 : 0);
const stateOf = d => d.summary.state || 'WAITING';
const openedAt = d => instant(d.summary.openedAt);

/**
 * The list's order (docs/protocol.md): open dialogs first, the person waiting longest (oldest waitingSince) on top,
 * then those an agent answered last (assigned longest ago first); closed ones last, newest first.
 */
export function compareDialogs(a, b) {
  const ca = stateOf(a) === 'CLOSED', cb = stateOf(b) === 'CLOSED';
  if (ca !== cb) return ca - cb;
  if (ca) return openedAt(b) - openedAt(a);
  const wa = instant(a.summary.waitingSince), wb = instant(b.summary.waitingSince);
  if (!wa !== !wb) return wa ? -1 : 1;
  if (wa) return wa - wb || openedAt(a) - openedAt(b);
  return (instant(a.summary.assignedAt) || openedAt(a)) - (instant(b.summary.assignedAt) || openedAt(b));
}

/** "ждёт 5 мин" from waitingSince, at now; empty when nobody waits for an answer. */
export function waitingText(since, now) {
  const t = instant(since);
  if (!t) return '';
  const min = Math.max(0, Math.floor((now - t) / 60000));
  return min < 1 ? 'ждёт меньше минуты' : min < 60 ? 'ждёт ' + min + ' мин'
    : 'ждёт ' + Math.floor(min / 60) + ' ч ' + (min % 60) + ' мин';
}

/** Whether a wait is long (5 minutes or more): the list shows it in red. */
export const waitingLong = (since, now) => !!instant(since) && now - instant(since) >= 5 * 60000;

/**
 * When the 10-minute triage rule runs out for an item, as an instant (ms), or null while its clock has not started
 * (the dialog is still open, when the API says so). The API's deadlineAt when given; else from deadlineSeconds and
 * waitedSeconds at the time the list was loaded.
 */
export function deadlineOf(t, loadedAt) {
  if (t.deadlineAt) return Date.parse(t.deadlineAt) || null;
  if ('sinceEndSeconds' in t && t.sinceEndSeconds == null && !t.overdue) return null;
  return loadedAt + ((t.deadlineSeconds || 600) - (t.waitedSeconds || 0)) * 1000;
}

/** «осталось 7:42», «срок разбора истёк 3 мин назад», or the rule when its clock has not started. */
export function countdownText(deadline, now, limitSeconds) {
  if (deadline == null) return Math.round((limitSeconds || 600) / 60) + ' мин на разбор — с момента завершения диалога';
  const left = Math.round((deadline - now) / 1000);
  if (left <= 0) return 'срок разбора истёк ' + Math.floor(-left / 60) + ' мин назад';
  return 'осталось ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
}
