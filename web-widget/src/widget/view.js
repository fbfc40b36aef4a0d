// What the widget says, as pure functions of the protocol's frames and its own state (no DOM): tested by
// test/widget-view.test.js.

/** The header status: one state at a time, the connection first. */
export function statusText({ ready, everReady, line, dialog, queue }, T) {
  const open = dialog && dialog.state !== 'CLOSED';
  return !ready ? (everReady ? T.offline : T.connecting)
    : !open && line && line.open === false ? T.hoursClosed
      : (!open || dialog.state === 'WAITING') && nobodyOnline(line) ? T.nobody
        : !dialog ? T.idle
          : dialog.state === 'CLOSED' ? T.closed
            : dialog.state === 'ASSIGNED' ? T.assigned(dialog.agentName || T.agent)
              : line && line.open === false ? T.hoursClosed
                : queue && queue.position > 0 ? T.queue(queue.position, estimateMinutes(queue))
                  : T.waiting;
}

/** In working hours with no agent of the line online (the gateway's agentsOnline): nobody can answer now. */
export const nobodyOnline = line => !!line && line.open !== false && line.agentsOnline === 0;

/** The estimate in whole minutes, only when the gateway gave one (from the line's real figures); else 0 (none). */
export const estimateMinutes = q => (q && typeof q.estimatedWaitSeconds === 'number' && q.estimatedWaitSeconds > 0
  ? Math.ceil(q.estimatedWaitSeconds / 60) : 0);

/**
 * The `queue` frame to keep: a place once told never goes back up for the same dialog (a later frame with a
 * larger position keeps the earlier place); a frame of another dialog replaces it.
 */
export function nextQueue(prev, f) {
  if (!prev || prev.dialogId !== f.dialogId || !(prev.position > 0) || !(f.position > 0) || f.position <= prev.position) return f;
  return Object.assign({}, f, { position: prev.position });
}

/** A `message` frame as the widget shows it: {from, name (an agent's), text}; closed: the line is out of hours. */
export function messageView(m, T, closed, nobody) {
  return {
    from: m.from,
    name: m.from === 'agent' ? m.agentName || T.agent : null,
    text: m.from === 'system' ? (T.ev[m.event] ? T.ev[m.event](m, closed, nobody) : m.text || '') : String(m.text || '')
  };
}

/** An `error` frame about one of the visitor's messages, in the visitor's words. */
export const errorText = (e, T) => T.err[e.code] || e.message || e.code;

const RU_DAY = ['в воскресенье', 'в понедельник', 'во вторник', 'в среду', 'в четверг', 'в пятницу', 'в субботу'];
const RU_MONTH = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября',
  'ноября', 'декабря'];
const EN_DAY = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const EN_MONTH = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];

/**
 * When the line opens next, as a phrase: «сегодня с 09:00», «завтра с 09:00», «в понедельник, 7 декабря, с 09:00»
 * ("today from 09:00", "tomorrow from 09:00", "on Monday, 7 December, from 09:00"). The time is the line's own (the
 * offset the gateway gives with nextOpening, e.g. 2026-12-07T09:00+03:00), and so are "today" and "tomorrow".
 * Null when the value is not a time.
 */
export function nextOpeningText(nextOpening, now, lang) {
  const at = Date.parse(nextOpening);
  if (typeof nextOpening !== 'string' || isNaN(at)) return null;
  const m = /([+-])(\d\d):?(\d\d)$|Z$/i.exec(nextOpening.trim());
  // the line's offset; without one, the visitor's own
  const offset = m && m[1] ? (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +m[3]) : m ? 0 : -new Date(at).getTimezoneOffset();
  const local = t => new Date(t + offset * 60000);
  const when = local(at), today = local(+now);
  const dayNo = d => Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) / 86400000);
  const days = dayNo(when) - dayNo(today);
  const time = String(when.getUTCHours()).padStart(2, '0') + ':' + String(when.getUTCMinutes()).padStart(2, '0');
  const ru = lang !== 'en';
  if (days <= 0) return ru ? 'сегодня с ' + time : 'today from ' + time;
  if (days === 1) return ru ? 'завтра с ' + time : 'tomorrow from ' + time;
  const day = when.getUTCDay(), date = when.getUTCDate(), month = when.getUTCMonth();
  return ru ? RU_DAY[day] + ', ' + date + ' ' + RU_MONTH[month] + ', с ' + time
    : 'on ' + EN_DAY[day] + ', ' + date + ' ' + EN_MONTH[month] + ', from ' + time;
}

/**
 * A `result` frame (regulation 3: the result of the person's request, on their next visit) as the widget shows it:
 * the heading with the request's number, the result's text, and its id for the answer. Null for a frame without an id.
 */
export function resultView(f, T) {
  if (!f || typeof f.resultId !== 'string' || !f.resultId) return null;
  return { id: f.resultId, title: T.rsTitle(typeof f.requestNumber === 'string' ? f.requestNumber : null), text: String(f.text || '') };
}

/** The results still to answer: a new one joins the end unless it is there already or was answered here. */
export function nextResults(list, view, answered) {
  if (!view || list.some(r => r.id === view.id) || (answered || []).includes(view.id)) return list;
  return list.concat(view);
}

/** The widget's answer to a shown result, as the gateway takes it: received or not. */
export const resultReceipt = (resultId, received, ref) => ({ type: 'result_receipt', resultId, received: received === true, ref });

/** What the widget says once the gateway recorded the answer (`result_received`). */
export const resultThanks = (answer, T) => (answer === 'RECEIVED' ? T.rsThanksYes : T.rsThanksNo);
