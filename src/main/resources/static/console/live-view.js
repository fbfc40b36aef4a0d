// What the supervisor's live view says, as pure functions of /api/supervisor/overview (no DOM): which lines show,
// each line's alert, the line of a live dialog, and whom the supervisor may set offline. Tested by
// web-widget/test/console-live.test.js.
import { waitingText } from './inbox-view.js';

const instant = v => (v ? Date.parse(v) || 0 : 0);

/** The lines shown: all of them when asked, else those with someone waiting, an agent, a live dialog or a delay. */
export const shownLines = (lines, all) => (lines || []).filter(l => all || l.waiting > 0 || (l.agents || []).length > 0
  || (l.dialogs || []).length > 0 || l.overdueTriage > 0 || l.overdueTasks > 0);

/** Visitors wait with nobody online to take them, or longer than 5 minutes. */
export const lineAlert = l => l.waiting > 0 && (l.agentsOnline === 0 || l.longestWaitSeconds > 300);

/** "12:05" from seconds. */
export const minutes = s => Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');

/**
 * One live dialog as the view lists it: who, where from, its state in words (waiting since when, or with which
 * agent and whether the person waits for an answer), and whether the supervisor may take it over (an open dialog
 * that is not theirs already).
 */
export function liveRow(d, now, myId) {
  const who = d.visitorName || 'Посетитель';
  const from = [d.site, d.channel && d.channel !== 'WIDGET' ? d.channel : ''].filter(Boolean).join(' · ');
  const waiting = d.state === 'WAITING';
  const since = waiting ? d.queuedAt : d.waitingSince;
  const wait = waitingText(since, now);
  const state = waiting ? 'в очереди' + (wait ? ', ' + wait : '')
    : (d.agentName || 'оператор') + (wait ? ' — посетитель ' + wait : '');
  return {
    id: d.dialogId, who, from, state, waiting,
    long: !!instant(since) && now - instant(since) >= 5 * 60000,
    mayTakeOver: d.agentId !== myId
  };
}

/** The supervisor may set away or offline an agent who is present and not offline, except themselves. */
export const maySetOffline = (a, myId) => a.agentId !== myId && a.presence !== 'OFFLINE';

/** The summary the dialog list needs to show a live dialog opened read-only (the fields of a `dialog` frame). */
export const summaryOf = d => ({
  dialogId: d.dialogId, state: d.state, agentId: d.agentId, agentName: d.agentName, visitorName: d.visitorName,
  site: d.site, channel: d.channel, openedAt: d.openedAt, assignedAt: d.assignedAt, waitingSince: d.waitingSince
});
