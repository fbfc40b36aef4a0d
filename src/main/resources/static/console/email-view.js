// What the e-mail panel and the files of e-mail answers say, as pure functions of the API's answers (no DOM).
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

/**
 * A mail that could not be read, or waits past a bound of the hour (state LIMITED), for a supervisor: where it lies
 * and why; a waiting one goes into work by itself.
 */
export function failedItem(f) {
  const where = 'ящик ' + f.mailbox + ', UID ' + f.uid + (f.messageId ? ', ' + f.messageId : '');
  const held = f.state === 'LIMITED';
  return {
    id: f.id,
    from: f.from || 'отправитель неизвестен',
    subject: (f.subject || '').trim() || '(без темы)',
    reason: f.reason || (held ? 'Отложено' : 'не удалось разобрать письмо'),
    where,
    held,
    kept: held ? 'письмо сохранено и войдёт в работу само, когда освободится место'
      : f.rawKept ? 'исходное письмо сохранено' : 'исходное письмо не сохранено'
  };
}

/** The take's answer as a sentence for the panel's error line (404: gone or not this agent's line; 409: taken). */
export function takeError(r) {
  if (r.status === 404) return 'Письмо не найдено на ваших линиях.';
  if (r.status === 409) return 'Письмо уже взял другой сотрудник.';
  if (r.status === 0) return 'Сервер недоступен.';
  return 'Не удалось взять письмо (ошибка ' + r.status + ').';
}

// The bounds of one answer's files (gateway.email.max-reply-files, max-reply-attachments); the server holds them too.
export const ANSWER_FILES = { count: 10, bytes: 16 * 1024 * 1024 };

/** A size as people read it: bytes, КБ or МБ. */
export function fileSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return n + ' Б';
  if (n < 1024 * 1024) return (n / 1024).toFixed(n < 10 * 1024 ? 1 : 0) + ' КБ';
  return (n / 1024 / 1024).toFixed(1) + ' МБ';
}

/**
 * The files picked for an answer, with more added: the ones that fit the answer's bounds are kept (a name picked
 * twice once), the rest named in `refused` with the reason.
 */
export function addFiles(picked, added, limits = ANSWER_FILES) {
  const files = picked.slice();
  const refused = [];
  let bytes = files.reduce((sum, f) => sum + f.size, 0);
  for (const f of added) {
    if (files.some(p => p.name === f.name)) continue;
    if (files.length >= limits.count) { refused.push(f.name + ': не больше ' + limits.count + ' файлов в ответе'); continue; }
    if (bytes + f.size > limits.bytes) { refused.push(f.name + ': все файлы ответа — не больше ' + fileSize(limits.bytes)); continue; }
    files.push(f);
    bytes += f.size;
  }
  return { files, refused };
}

/** GET /api/email/dialogs/{id}/answers/files as links per answer: clientMsgId → [{name, text, href}]. */
export function answerFileLinks(answers) {
  const byAnswer = new Map();
  for (const a of answers || []) {
    byAnswer.set(a.clientMsgId, (a.files || []).map(f => ({
      name: f.name,
      text: f.name + ' (' + fileSize(f.size) + ')',
      href: f.url
    })));
  }
  return byAnswer;
}

/** A refused upload as a sentence (413: over the answer's bounds, 409: sent or closed, 404: not the agent's). */
export function uploadError(name, r) {
  const why = r.status === 413 ? 'слишком много или слишком большие файлы для одного ответа'
    : r.status === 409 ? 'ответ уже отправлен или диалог завершён'
    : r.status === 404 ? 'диалог не назначен вам'
    : r.status === 0 ? 'сервер недоступен'
    : (r.body && r.body.detail) || 'ошибка ' + r.status;
  return 'Файл «' + name + '» не прикреплён: ' + why + '.';
}
