// What the e-mail panel says, as pure functions of GET /api/email/dialogs and /api/supervisor/email/failed (no DOM).
// Tested by web-widget/test/console-email.test.js.
import { waitingLong, waitingText } from './inbox-view.js';

/** One waiting e-mail dialog as the list shows it: who wrote, about what, how long they have waited. */
export function mailItem(m, now) {
  return {
    dialogId: m.dialogId,
    from: m.from || 'адрес неизвестен',
    subject: (m.subject || '').trim() || '(без темы)',
    where: [m.mailbox, m.lineId].filter(Boolean).join(' · '),
    preview: m.preview || '',
    waited: waitingText(m.since, now) || 'ждёт',
    long: waitingLong(m.since, now),
    followUp: !!m.previousDialogId,
    bouncing: !!m.bouncing
  };
}

/** A mail that could not be read, for a supervisor: where it lies and why. */
export function failedItem(f) {
  const where = 'ящик ' + f.mailbox + ', UID ' + f.uid + (f.messageId ? ', ' + f.messageId : '');
  return {
    id: f.id,
    from: f.from || 'отправитель неизвестен',
    subject: (f.subject || '').trim() || '(без темы)',
    reason: f.reason || 'не удалось разобрать письмо',
    where,
    kept: f.rawKept ? 'исходное письмо сохранено' : 'исходное письмо не сохранено'
  };
}

/** The take's answer as a sentence for the panel's error line (404: gone or not this agent's line; 409: taken). */
export function takeError(r) {
  if (r.status === 404) return 'Письмо не найдено на ваших линиях.';
  if (r.status === 409) return 'Письмо уже взял другой сотрудник.';
  if (r.status === 0) return 'Сервер недоступен.';
  return 'Не удалось взять письмо (ошибка ' + r.status + ').';
}
