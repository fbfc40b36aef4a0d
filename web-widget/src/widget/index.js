/*
 * contact-gateway visitor chat widget, bundled by esbuild (web-widget/package.json) into /widget/widget.js;
 * the wire protocol is docs/protocol.md.
 * Embed: <script src="https://gateway-host/widget/widget.js" data-site="applicant" data-lang="ru" async></script>
 * Host-page API: window.RosdistantChat.open() / close() / setContact({name, email}) / on(event, fn)
 * / identify({userId, email, name, signature}) (a logged-in user, signed by the site's server: docs/widget.md)
 * with events "opened" (a dialog summary), "message" (a message frame), "state" (connection, dialog, panel).
 */
import { backoffDelay } from '../shared/protocol.js';

(function () {
  if (window.RosdistantChat) return;
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script) return;

  const SITE = script.getAttribute('data-site') || 'main';
  const LANG = script.getAttribute('data-lang') === 'en' ? 'en' : 'ru';
  const base = new URL(script.src, location.href);
  const WS_URL = (base.protocol === 'https:' ? 'wss://' : 'ws://') + base.host
    + '/ws/visitor?site=' + encodeURIComponent(SITE);
  const KEY = 'rosdistant-chat:' + SITE + ':';
  const MAX_TEXT = 4000;

  const T = {
    ru: {
      title: 'Онлайн-консультант', launcher: 'Открыть чат', minimize: 'Свернуть чат',
      closeDialog: 'Завершить диалог', input: 'Сообщение', placeholder: 'Введите сообщение…', send: 'Отправить',
      connecting: 'Подключение…', offline: 'Нет связи, переподключаемся…', idle: 'Задайте вопрос — мы ответим',
      waiting: 'Ожидаем специалиста…', assigned: n => 'Вам отвечает ' + n, closed: 'Диалог завершён. Напишите, чтобы начать новый',
      typing: n => n + ' печатает…', agent: 'Специалист', sending: 'отправляется…', failed: 'не отправлено',
      unread: n => 'Открыть чат, непрочитанных сообщений: ' + n,
      queue: (p, w) => 'Вы ' + p + '-й в очереди' + (w ? ', ожидание около ' + w + ' мин' : ''),
      hoursClosed: 'Сейчас нерабочее время', opens: t => 'Специалисты ответят с ' + t + '.',
      offTitle: 'Оставьте вопрос', offBusy: 'Все специалисты заняты. Оставьте вопрос — мы ответим на почту или по телефону.',
      offHours: 'Сейчас нерабочее время. Оставьте вопрос — мы ответим на почту или по телефону.',
      fName: 'Имя', fEmail: 'Эл. почта', fPhone: 'Телефон', fQuestion: 'Вопрос', fOne: 'Укажите эл. почту или телефон (хотя бы одно).',
      fConsent: 'Я согласен(на) на обработку персональных данных (152-ФЗ)', fSend: 'Отправить вопрос', fHide: 'Вернуться к чату',
      fSending: 'Отправляем…', fDone: 'Спасибо! Вопрос отправлен, мы ответим вам.',
      fFix: 'Исправьте отмеченные поля.', fNet: 'Не удалось отправить. Проверьте связь и повторите.',
      fMany: 'Слишком много отправок. Повторите чуть позже.', fDown: 'Сервис временно недоступен. Повторите через минуту.',
      fe: {},
      ev: {
        waiting: () => 'Пожалуйста, подождите: скоро вам ответит специалист.',
        assigned: m => 'Вам отвечает ' + (m.agentName || 'специалист') + '.',
        closed: m => m.closedBy === 'visitor' ? 'Вы завершили диалог.'
          : m.closedBy === 'agent' ? 'Специалист завершил диалог.' : 'Диалог завершён.',
        offline_offered: m => m.reason === 'hours' ? 'Сейчас нерабочее время. Вы можете оставить вопрос в форме.'
          : 'Все специалисты заняты. Вы можете оставить вопрос в форме.'
      },
      err: { DIALOG_CLOSED: 'диалог уже завершён', TEXT_TOO_LONG: 'слишком длинное сообщение',
        TRANSCRIPT_ADDRESS: 'стенограмма отправляется только на адрес, указанный в диалоге до его завершения',
        CLIENT_LIMITED: 'слишком много запросов, повторите позже' },
      tr: 'Отправить стенограмму на e-mail', trSend: 'Отправить', trBad: 'Проверьте адрес эл. почты.',
      trEmpty: 'Укажите адрес эл. почты.', trDone: e => 'Стенограмма будет отправлена на ' + e + '.',
      trFail: 'Не удалось отправить: ',
      rt: 'Оцените, как вам помогли', rtStar: n => n + ' из 5', rtComment: 'Комментарий (необязательно)', rtSend: 'Оценить',
      rtPick: 'Выберите оценку от 1 до 5.', rtDone: 'Спасибо за оценку!', rtAgain: 'Этот диалог уже оценён.',
      att: 'Прикрепить файл (до 16 МБ)', dl: 'Скачать', big: 'файл больше 16 МБ, пришлите ссылку на него',
      quota: 'превышен лимит файлов, попробуйте позже'
    },
    en: {
      title: 'Online chat', launcher: 'Open chat', minimize: 'Minimise chat',
      closeDialog: 'End dialog', input: 'Message', placeholder: 'Type a message…', send: 'Send',
      connecting: 'Connecting…', offline: 'No connection, reconnecting…', idle: 'Ask us a question',
      waiting: 'Waiting for a specialist…', assigned: n => n + ' is answering you', closed: 'The dialog is closed. Write to start a new one',
      typing: n => n + ' is typing…', agent: 'Specialist', sending: 'sending…', failed: 'not sent',
      unread: n => 'Open chat, unread messages: ' + n,
      queue: (p, w) => 'You are number ' + p + ' in the queue' + (w ? ', about ' + w + ' min' : ''),
      hoursClosed: 'We are closed now', opens: t => 'Specialists will answer from ' + t + '.',
      offTitle: 'Leave a question', offBusy: 'All specialists are busy. Leave a question and we will answer by e-mail or phone.',
      offHours: 'We are closed now. Leave a question and we will answer by e-mail or phone.',
      fName: 'Name', fEmail: 'E-mail', fPhone: 'Phone', fQuestion: 'Question', fOne: 'Give an e-mail or a phone (at least one).',
      fConsent: 'I consent to the processing of my personal data (Federal Law 152-FZ)', fSend: 'Send the question', fHide: 'Back to the chat',
      fSending: 'Sending…', fDone: 'Thank you! Your question has been sent; we will answer you.',
      fFix: 'Please correct the marked fields.', fNet: 'Could not send. Check your connection and try again.',
      fMany: 'Too many submissions. Try again a little later.', fDown: 'The service is briefly unavailable. Try again in a minute.',
      fe: { name: 'Please give your name', email: 'Check the e-mail address', phone: 'Check the phone number',
        question: 'Please write your question', consent: 'Your consent is needed to process personal data' },
      ev: {
        waiting: () => 'Please wait: a specialist will answer you shortly.',
        assigned: m => (m.agentName || 'A specialist') + ' is now answering you.',
        closed: m => m.closedBy === 'visitor' ? 'You closed the dialog.'
          : m.closedBy === 'agent' ? 'The specialist closed the dialog.' : 'The dialog has been closed.',
        offline_offered: m => m.reason === 'hours' ? 'We are closed now. You can leave a question in the form.'
          : 'All specialists are busy. You can leave a question in the form.'
      },
      err: { DIALOG_CLOSED: 'the dialog is already closed', TEXT_TOO_LONG: 'the message is too long',
        TRANSCRIPT_ADDRESS: 'the transcript goes only to the address given in the dialog before it ended',
        CLIENT_LIMITED: 'too many requests, try again later' },
      tr: 'Email me the transcript', trSend: 'Send', trBad: 'Check the e-mail address.',
      trEmpty: 'Please give an e-mail address.', trDone: e => 'The transcript will be sent to ' + e + '.',
      trFail: 'Could not send: ',
      rt: 'Rate the help you got', rtStar: n => n + ' of 5', rtComment: 'Comment (optional)', rtSend: 'Rate',
      rtPick: 'Choose a rating from 1 to 5.', rtDone: 'Thank you for your rating!', rtAgain: 'This dialog has been rated already.',
      att: 'Attach a file (up to 16 MB)', dl: 'Download', big: 'the file is over 16 MB, send a link to it',
      quota: 'the limit of files is reached, try again later'
    }
  }[LANG];

  // Storage may be unavailable (privacy modes, sandboxed iframes): the widget then simply forgets more.
  function load(area, k) { try { return window[area].getItem(KEY + k); } catch (e) { return null; } }
  function save(area, k, v) {
    try { v == null ? window[area].removeItem(KEY + k) : window[area].setItem(KEY + k, v); } catch (e) { /* ignore */ }
  }
  function loadJson(area, k, dflt) { try { return JSON.parse(load(area, k)) || dflt; } catch (e) { return dflt; } }

  function uid() {
    const c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    if (c && c.getRandomValues) return Array.from(c.getRandomValues(new Uint8Array(16)), b => (b + 256).toString(16).slice(1)).join('');
    return 'c-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
  }


  const CSS = `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
[hidden]{display:none!important}
button{font:inherit;cursor:pointer}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border-radius:50%;border:0;
 background:#1f5fbf;color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}
.launcher:hover{background:#184c99}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d93025;
 color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center}
.panel{position:fixed;right:20px;bottom:92px;z-index:2147483001;width:370px;height:min(580px,calc(100vh - 112px));
 display:flex;flex-direction:column;background:#fff;color:#1d2330;border-radius:12px;overflow:hidden;
 box-shadow:0 8px 30px rgba(0,0,0,.25);font-size:14px;line-height:1.4}
header{display:grid;grid-template-columns:1fr auto;align-items:center;gap:4px 8px;padding:10px 12px;background:#1f5fbf;color:#fff}
.title{font-weight:600;font-size:15px}
.status{font-size:12px;opacity:.9;min-width:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
header button{background:rgba(255,255,255,.15);color:#fff;border:1px solid rgba(255,255,255,.4);border-radius:6px;padding:3px 8px;font-size:12px}
header button:hover{background:rgba(255,255,255,.28)}
header button:disabled{opacity:.45;cursor:default}
.min{justify-self:end;font-size:18px;line-height:1;padding:2px 9px}
.msgs{flex:1;overflow-y:auto;padding:12px;background:#f4f6fa;display:flex;flex-direction:column;gap:8px}
.msg{max-width:82%;padding:7px 10px;border-radius:10px;word-wrap:break-word;overflow-wrap:anywhere;white-space:pre-wrap}
.msg[data-from=visitor]{align-self:flex-end;background:#1f5fbf;color:#fff;border-bottom-right-radius:3px}
.msg[data-from=agent]{align-self:flex-start;background:#fff;border:1px solid #dde3ec;border-bottom-left-radius:3px}
.msg[data-from=system]{align-self:center;max-width:92%;background:none;color:#6b7383;font-size:12px;text-align:center;padding:2px}
.msg[data-state=sending]{opacity:.7}
.msg[data-state=failed]{background:#fdecea;color:#8a1c14;border:1px solid #f3b8b2}
.name{font-size:12px;font-weight:600;color:#1f5fbf;margin-bottom:2px}
.meta{font-size:11px;opacity:.7;margin-top:2px;text-align:right}
.msg[data-from=system] .meta{display:none}
.msg a{color:inherit;text-decoration:underline}
.typing{padding:2px 14px;font-size:12px;color:#6b7383;background:#f4f6fa;min-height:20px}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde3ec;background:#fff}
textarea{flex:1;resize:none;height:44px;max-height:120px;padding:8px;border:1px solid #c3ccd9;border-radius:8px;font:inherit;color:inherit}
textarea:focus-visible{outline:2px solid #1f5fbf;outline-offset:0}
.send{border:0;border-radius:8px;background:#1f5fbf;color:#fff;padding:0 14px;font-weight:600}
.send:hover{background:#184c99}
.att{border:1px solid #c3ccd9;border-radius:8px;background:#fff;color:#1f5fbf;padding:0 6px}
.att svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2}
.att:disabled{opacity:.45}
.dl{display:block;font-size:12px}
.msgs[hidden]~.off{flex:1;max-height:none}
.off{flex:0 1 auto;max-height:70%;overflow-y:auto;padding:10px 12px;border-top:1px solid #dde3ec;background:#fff;display:flex;flex-direction:column;gap:4px}
.off h3{margin:0;font-size:15px}.off p{margin:0 0 4px;font-size:13px;color:#4a5263}
.off label{font-size:12px;font-weight:600;margin-top:4px}
.off form{display:flex;flex-direction:column;gap:2px;padding:0;border:0}
.muted{font-size:12px;color:#6b7383}
.off input:not([type=checkbox]),.off textarea{width:100%;padding:6px 8px;border:1px solid #c3ccd9;border-radius:6px;font:inherit;color:inherit;height:auto}
.off textarea{min-height:64px;resize:vertical}
.off [aria-invalid=true]{border-color:#c5221f;outline-color:#c5221f}
.off .ck{display:flex;gap:6px;align-items:flex-start;font-weight:400}
.fe,.ge{color:#b3261e;font-size:12px}.fe:empty,.ge:empty{display:none}
.off .row{display:flex;gap:8px;margin-top:6px}
.off .row button{border-radius:8px;padding:7px 12px;border:1px solid #c3ccd9;background:#fff}
.off .row .send{border:0;background:#1f5fbf;color:#fff}
.done{padding:8px;border-radius:6px;background:#e7f5ec;color:#14532d}
.tr{padding:8px 10px;border-top:1px solid #dde3ec;background:#fff}
.tr label{display:block;font-size:12px;font-weight:600;margin-bottom:4px}
.tr form{padding:0;border:0;gap:6px}
.tr input{flex:1;min-width:0;padding:6px 8px;border:1px solid #c3ccd9;border-radius:6px;font:inherit}
.tr [aria-invalid=true]{border-color:#c5221f}
.tr .send{padding:0 12px}
.tr .done,.rt .done{margin:6px 0 0;font-size:13px}
.rt{padding:8px 10px;border-top:1px solid #dde3ec;background:#fff}
.rt form{flex-direction:column;padding:0;border:0;gap:4px}
.rt fieldset{border:0;margin:0;padding:0}
.rt legend,.rt label[for]{font-size:12px;font-weight:600;padding:0}
.stars{display:flex;gap:2px}
.stars label{position:relative;font-size:26px;line-height:1;color:#c3ccd9;cursor:pointer}
.stars input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.stars label[data-on]{color:#f0a500}
.stars input:focus-visible+span{outline:3px solid #1f5fbf;outline-offset:1px;border-radius:4px}
.rt textarea{flex:none;height:auto;min-height:40px}
.rt .send{align-self:flex-start;padding:6px 14px}
@media (max-width:600px){.panel{inset:0;width:100%;height:100%;border-radius:0}}`;

  function F(n, label, input) {
    return `<label for="f-${n}">${label}</label>${input.replace('>', ` data-testid="off-${n}" aria-describedby="e-${n}">`)}`
      + `<div class="fe" id="e-${n}" data-testid="err-${n}" aria-live="polite"></div>`;
  }

  const host = document.createElement('div');
  host.id = 'rosdistant-chat';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${CSS}</style>
<button type="button" class="launcher" data-testid="launcher" aria-expanded="false" aria-controls="p" aria-label="${T.launcher}">
<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>
<span class="badge" data-testid="badge" hidden>0</span></button>
<section class="panel" id="p" data-testid="panel" role="dialog" aria-labelledby="t" hidden>
<header><div class="title" id="t">${T.title}</div>
<button type="button" class="min" data-testid="minimize" aria-label="${T.minimize}" title="${T.minimize}">×</button>
<div class="status" data-testid="status" aria-live="polite"></div>
<button type="button" data-testid="close-dialog" disabled>${T.closeDialog}</button></header>
<div class="msgs" data-testid="messages" role="log" aria-live="polite" aria-labelledby="t"></div>
<div class="typing" data-testid="typing" aria-live="polite"></div>
<section class="off" data-testid="offline" aria-labelledby="oh" hidden><h3 id="oh">${T.offTitle}</h3>
<p data-testid="off-reason"></p>
<form data-testid="off-form" novalidate>
${F('name', T.fName, '<input id="f-name" name="name" autocomplete="name" maxlength="200" required aria-required="true">')}
${F('email', T.fEmail, '<input id="f-email" name="email" type="email" autocomplete="email" maxlength="254">')}
${F('phone', T.fPhone, '<input id="f-phone" name="phone" type="tel" autocomplete="tel" maxlength="40">')}
<div class="muted">${T.fOne}</div>
${F('question', T.fQuestion, '<textarea id="f-question" name="question" maxlength="4000" required aria-required="true"></textarea>')}
<label class="ck"><input id="f-consent" name="consent" type="checkbox" data-testid="off-consent" required aria-required="true" aria-describedby="e-consent"> ${T.fConsent}</label>
<div class="fe" id="e-consent" data-testid="err-consent" aria-live="polite"></div>
<div class="ge" data-testid="off-error" role="alert"></div>
<div class="row"><button type="submit" class="send" data-testid="off-submit">${T.fSend}</button>
<button type="button" data-testid="off-hide">${T.fHide}</button></div></form>
<div data-testid="off-done" tabindex="-1" hidden><p class="done" role="status">${T.fDone}</p>
<div class="row"><button type="button" data-testid="off-back">${T.fHide}</button></div></div></section>
<section class="rt" data-testid="rating" hidden><form data-testid="rt-form" novalidate><fieldset><legend>${T.rt}</legend><div class="stars">
${[1, 2, 3, 4, 5].map(n => `<label><input type="radio" name="rt" value="${n}" data-testid="star-${n}" aria-label="${T.rtStar(n)}"><span aria-hidden="true">★</span></label>`).join('')}</div></fieldset>
<label for="rt-c">${T.rtComment}</label><textarea id="rt-c" data-testid="rt-comment" maxlength="1000" rows="2"></textarea>
<button type="submit" class="send" data-testid="rt-send">${T.rtSend}</button></form>
<div class="fe" data-testid="rt-error" role="alert"></div><p class="done" data-testid="rt-done" role="status" hidden></p></section>
<section class="tr" data-testid="transcript" hidden><label for="tr-email">${T.tr}</label>
<form data-testid="tr-form" novalidate><input id="tr-email" type="email" data-testid="tr-email" autocomplete="email" maxlength="254" aria-describedby="tr-err">
<button type="submit" class="send" data-testid="tr-send">${T.trSend}</button></form>
<div class="fe" id="tr-err" data-testid="tr-error" role="alert"></div><p class="done" data-testid="tr-done" role="status" hidden></p></section>
<form data-testid="chat-form"><button type="button" class="att" data-testid="attach" aria-label="${T.att}" title="${T.att}"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16 6v10a4 4 0 0 1-8 0V5a3 3 0 0 1 6 0v10a1 1 0 0 1-2 0V6"/></svg></button>
<input type="file" data-testid="file" hidden><textarea data-testid="input" maxlength="${MAX_TEXT}" rows="2" enterkeyhint="send" aria-label="${T.input}" placeholder="${T.placeholder}"></textarea>
<button type="submit" class="send" data-testid="send">${T.send}</button></form></section>`;
  const $ = id => root.querySelector('[data-testid=' + id + ']');
  const launcher = $('launcher'), badge = $('badge'), panel = $('panel'), statusEl = $('status'), list = $('messages'),
    typingEl = $('typing'), input = $('input'), closeBtn = $('close-dialog'), attBtn = $('attach'), fileIn = $('file'),
    off = $('offline'), offForm = $('off-form'), offReason = $('off-reason'), offError = $('off-error'), offDone = $('off-done'),
    offSubmit = $('off-submit'), trBox = $('transcript'), trEmail = $('tr-email'), trErr = $('tr-error'),
    trDone = $('tr-done'), rtBox = $('rating'), rtForm = $('rt-form'), rtErr = $('rt-error'), rtDone = $('rt-done'),
    rtComment = $('rt-comment'), stars = [...rtForm.querySelectorAll('input')];


  let ws = null, ready = false, everReady = false, attempt = 0, reconnectTimer = 0, pingTimer = 0, welcomeTimer = 0;
  const WELCOME_TIMEOUT = 10000;
  let token = load('localStorage', 'token');
  let contact = {};
  let dialog = null;            // current dialog summary {dialogId, state, agentName}
  let seen = new Set(), lastSeq = 0, resuming = false;
  let byCid = new Map();        // clientMsgId -> element of an own message
  let outbox = loadJson('localStorage', 'outbox', []);   // [{id, dialogId|null, text, at}] not yet acknowledged
  const inflight = new Set();   // clientMsgIds sent on the current connection and not answered yet
  let openPending = false;
  let panelOpen = false, unread = 0, readMark = loadJson('localStorage', 'read', {});
  let typingOn = false, typingSentAt = 0, typingIdle = 0, typingHide = 0;
  const handlers = {};
  let lastState = '';
  let line = null;              // {open, nextOpening} from welcome
  let queue = null;             // {position, estimatedWaitSeconds} while the dialog waits
  let formId = null, formBusy = false;
  // the pending transcript request's ref; the closed dialog the rating was last set up for; the dialog the
  // transcript box was (its address may be given while the dialog is open: the copy follows when it ends)
  let trRef = null, trFor = null, trDlg = null;
  let rtRef = null, rated = loadJson('localStorage', 'rated', []);   // the pending rating's ref; dialogs rated here

  function emit(ev, data) {
    (handlers[ev] || []).forEach(fn => { try { fn(data); } catch (e) { console.error(e); } });
  }
  const isOpen = () => dialog && dialog.state !== 'CLOSED';
  const saveOutbox = () => save('localStorage', 'outbox', outbox.length ? JSON.stringify(outbox) : null);
  function dropOutbox(id) {
    inflight.delete(id);
    const n = outbox.length;
    outbox = outbox.filter(i => i.id !== id);
    if (outbox.length !== n) saveOutbox();
  }


  function linkify(parent, text) {
    const re = /https?:\/\/[^\s<>"']+/g;
    let at = 0, m;
    while ((m = re.exec(text))) {
      const url = m[0].replace(/[.,;:!?)\]]+$/, '');
      parent.append(text.slice(at, m.index));
      let ok = false;
      try { ok = /^https?:$/.test(new URL(url).protocol); } catch (e) { /* not a URL */ }
      if (ok) {
        const a = document.createElement('a');
        a.href = url; a.textContent = url; a.target = '_blank'; a.rel = 'noopener noreferrer';
        parent.append(a);
      } else parent.append(url);
      at = m.index + url.length;
      re.lastIndex = at;
    }
    parent.append(text.slice(at));
  }

  function div(cls, parent) {
    const d = document.createElement('div');
    d.className = cls;
    if (parent) parent.append(d);
    return d;
  }

  function timeOf(at) {
    const d = new Date(at || Date.now());
    return isNaN(d) ? '' : d.toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit' });
  }

  function makeMsg(m) {
    const el = div('msg');
    el.dataset.from = m.from;
    if (m.from === 'agent') div('name', el).textContent = m.agentName || T.agent;
    const text = div('text', el);
    if (m.from === 'system') text.textContent = T.ev[m.event] ? T.ev[m.event](m) : (m.text || '');
    else linkify(text, String(m.text || ''));
    div('meta', el);
    if (m.event === 'file') fileLink(el, m);
    el._at = m.at;
    if (m.from === 'visitor') setState(el, 'sent'); else setMeta(el);
    return el;
  }

  // A file in the dialog: fetched with the visitor's token (a plain link could not send it), saved by its name.
  const FILES = new URL('/api/widget/files', base).href;
  function fileLink(el, m) {
    if (el._f) return;
    const a = el._f = document.createElement('a');
    a.href = '#'; a.className = 'dl'; a.textContent = T.dl + ': ' + m.fileName;
    a.onclick = async e => {
      e.preventDefault();
      const r = await fetch(FILES + '?' + new URLSearchParams({ site: SITE, dialogId: m.dialogId, clientMsgId: m.clientMsgId }),
        { headers: { Authorization: 'Bearer ' + token } });
      if (!r.ok) return;
      const b = document.createElement('a');
      b.href = URL.createObjectURL(await r.blob()); b.download = m.fileName; b.click();
    };
    el.insertBefore(a, el.lastChild);
  }

  // Files go over HTTP, not the socket; one over 16 MB is refused here, before any upload.
  async function attach(f) {
    const id = uid(), el = makeMsg({ from: 'visitor', text: f.name });
    byCid.set(id, el);
    place(el);
    if (f.size > 16777216) return setState(el, 'failed', T.big);
    setState(el, 'sending');
    let r, p = {};
    for (let n = 0; n < 6; n++) {
      r = null; p = {};
      try {
        r = await fetch(FILES + '?' + new URLSearchParams({ site: SITE, dialogId: dialog.dialogId, clientMsgId: id, name: f.name }), {
          method: 'POST', body: f, headers: { Authorization: 'Bearer ' + token, 'Content-Type': f.type || 'application/octet-stream' }
        });
        p = await r.json();
      } catch (e) { /* network, or no body */ }
      if (!r || r.status !== 503) break;
      await new Promise(ok => setTimeout(ok, 1000 * Math.min(60, +r.headers.get('Retry-After') || 5)));
    }
    if (r && r.status === 201) onAck(p);
    else setState(el, 'failed', r && (r.status === 413 || r.status === 429) ? T.quota : p.detail || T.fNet);
  }

  function setMeta(el, extra) {
    el.lastChild.textContent = timeOf(el._at) + (extra ? ' · ' + extra : '');
  }

  function setState(el, state, err) {
    el.dataset.state = state;
    setMeta(el, state === 'sending' ? T.sending : state === 'failed' ? T.failed + (err ? ': ' + err : '') : '');
  }

  function place(el, seq) {
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    let ref = null;
    if (seq != null) {
      for (const c of list.children) {
        if (c !== el && (!c.dataset.seq || +c.dataset.seq > seq)) { ref = c; break; }
      }
    }
    if (el.parentNode !== list || el.nextSibling !== ref) list.insertBefore(el, ref);
    if (stick || seq == null) list.scrollTop = list.scrollHeight;
  }

  function renderOutbox() {
    outbox.forEach(i => {
      if (byCid.has(i.id) || (i.dialogId && (!dialog || i.dialogId !== dialog.dialogId))) return;
      const el = makeMsg({ from: 'visitor', text: i.text, at: i.at });
      setState(el, 'sending');
      byCid.set(i.id, el);
      place(el);
    });
  }

  function adopt(d) {
    dialog = { dialogId: d.dialogId, state: d.state, agentName: d.agentName };
    queue = null;
    seen = new Set(); lastSeq = 0; byCid = new Map();
    list.textContent = '';
    setUnread(0);
    if (readMark.d !== d.dialogId) readMark = { d: d.dialogId, s: 0 };
    if (isOpen()) outbox.forEach(i => { if (!i.dialogId) i.dialogId = d.dialogId; });
    saveOutbox();
    renderOutbox();
    hideTyping();
  }

  function onMessage(m) {
    if (!dialog || m.dialogId !== dialog.dialogId || typeof m.seq !== 'number' || seen.has(m.seq)) return;
    seen.add(m.seq);
    lastSeq = Math.max(lastSeq, m.seq);
    if (m.from === 'system') {
      if (m.event === 'waiting') dialog.state = 'WAITING';
      if (m.event === 'assigned' || m.event === 'forwarded' && m.agentName) {
        dialog.state = 'ASSIGNED'; dialog.agentName = m.agentName; queue = null;
      }
      if (m.event === 'forwarded' && !m.agentName || m.event === 'requeued') { dialog.state = 'WAITING'; dialog.agentName = null; }
      if (m.event === 'closed') { dialog.state = 'CLOSED'; queue = null; hideTyping(); stopTyping(); }
      // Only a live offer opens the form: replaying an old dialog's history must not.
      if (m.event === 'offline_offered' && isOpen() && dialog.state === 'WAITING') showOffline(m.reason);
    }
    let el = m.from === 'visitor' && m.clientMsgId && byCid.get(m.clientMsgId);
    if (el) {
      dropOutbox(m.clientMsgId);
      el._at = m.at;
      setState(el, 'sent');
      if (m.event === 'file') { el.firstChild.textContent = m.text; fileLink(el, m); }
    } else el = makeMsg(m);
    el.dataset.seq = m.seq;
    place(el, m.seq);
    if (m.from === 'agent') {
      hideTyping();
      if (!panelOpen && m.seq > readMark.s) setUnread(unread + 1);
    }
    markRead();
    update();
    emit('message', m);
  }

  function onAck(a) {
    dropOutbox(a.clientMsgId);
    const el = byCid.get(a.clientMsgId);
    if (!el) return;
    if (el.dataset.state !== 'sent') { el._at = a.at; setState(el, 'sent'); }
    if (!el.dataset.seq && typeof a.seq === 'number') { el.dataset.seq = a.seq; place(el, a.seq); }
  }

  function onError(e) {
    // hello failed: no welcome will come on this socket; start over after the usual back-off
    if (e.ref && e.ref === trRef) {
      trRef = null;
      trDone.hidden = true;
      trErr.textContent = e.code === 'INVALID_FIELD' ? T.trBad : T.trFail + (T.err[e.code] || e.message || e.code);
      if (e.code === 'INVALID_FIELD') { trEmail.setAttribute('aria-invalid', 'true'); trEmail.focus(); }
      return;
    }
    if (e.ref && e.ref === rtRef) {
      rtRef = null;
      // FORBIDDEN here means rated already (the box shows only for a closed dialog of ours)
      if (e.code === 'FORBIDDEN') return void ratedDone(trFor, T.rtAgain);
      rtErr.textContent = T.trFail + (e.message || e.code);
      return;
    }
    if (e.ref === 'hello') {
      if (!ready && ws) drop(ws);
      return;
    }
    // the dialog opens all the same, unverified: tell the site's developers, not the visitor
    if (e.code === 'IDENTITY_INVALID') return void console.warn('RosdistantChat.identify:', e.message);
    const item = e.ref && outbox.find(i => i.id === e.ref);
    if (item) {
      inflight.delete(item.id);
      if (e.retryable) return void setTimeout(flush, 2000 + Math.random() * 2000);
      dropOutbox(item.id);
      const el = byCid.get(item.id);
      if (el) setState(el, 'failed', T.err[e.code] || e.message || e.code);
    } else if (e.ref === 'open') {
      openPending = false;
      if (e.retryable) return void setTimeout(flush, 2000 + Math.random() * 2000);
      outbox.filter(i => !i.dialogId).forEach(i => onError({ ref: i.id, code: e.code, message: e.message }));
    } else if (!e.ref && e.dialogId) {
      // the replay of a dialog failed (no ref): resuming again fetches what we have not seen
      if (e.retryable && dialog && e.dialogId === dialog.dialogId) {
        setTimeout(() => { if (ready && dialog && dialog.dialogId === e.dialogId) resume(); }, 2000);
      }
    } else if (e.ref === 'resume' && dialog) {
      if (e.retryable) return void setTimeout(() => { if (ready && dialog) resume(); }, 2000);
      resuming = false;
      adoptNone();
      flush();
    }
  }

  function adoptNone() {
    if (!dialog) return;
    dialog = null; seen = new Set(); lastSeq = 0; byCid = new Map(); list.textContent = '';
    renderOutbox();
    update();
  }


  function send(frame) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    let sock;
    try { sock = new WebSocket(WS_URL); } catch (e) { return scheduleReconnect(); }
    ws = sock;
    // a socket that does not reach welcome in time is given up like a closed one
    clearTimeout(welcomeTimer);
    welcomeTimer = setTimeout(() => { if (ws === sock && !ready) drop(sock); }, WELCOME_TIMEOUT);
    sock.onopen = () => send(token ? { type: 'hello', token, ref: 'hello' } : { type: 'hello', ref: 'hello' });
    sock.onmessage = ev => {
      if (ws !== sock) return;
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      handle(f);
    };
    sock.onclose = () => lost(sock);
  }

  function lost(sock) {
    if (ws !== sock) return;
    clearTimeout(welcomeTimer);
    ws = null; ready = false; openPending = false; resuming = false;
    inflight.clear();
    clearInterval(pingTimer);
    typingOn = false;
    hideTyping();
    update();
    scheduleReconnect();
  }

  function drop(sock) {
    lost(sock);
    try { sock.close(); } catch (e) { /* already closing */ }
  }

  // 0.25, 0.5, 1, 2 s, then every 2 s for about a minute, then 10 s; each ±25 % (docs/protocol.md)
  function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, backoffDelay(attempt++));
  }

  function handle(f) {
    switch (f.type) {
      case 'welcome': onWelcome(f); break;
      case 'opened': onOpened(f.dialog); break;
      case 'message': onMessage(f); break;
      case 'ack': onAck(f); break;
      case 'resumed':
        if (dialog && f.dialogId === dialog.dialogId) { resuming = false; flush(); }
        break;
      case 'typing':
        if (f.from === 'agent' && dialog && f.dialogId === dialog.dialogId) showTyping(f.typing, f.name);
        break;
      case 'queue':
        if (dialog && f.dialogId === dialog.dialogId) { queue = f; update(); }
        break;
      case 'rated':
        if (f.ref && f.ref === rtRef) ratedDone(f.dialogId, T.rtDone);
        break;
      case 'transcript_queued':
        if (f.ref && f.ref === trRef) { trRef = null; trDone.hidden = false; }
        break;
      case 'error': onError(f); break;
    }
  }

  function onWelcome(f) {
    clearTimeout(welcomeTimer);
    if (f.token) { token = f.token; save('localStorage', 'token', token); }
    line = f.line || null;
    ready = everReady = true;
    attempt = 0;
    clearInterval(pingTimer);
    pingTimer = setInterval(() => send({ type: 'ping' }), 25000);
    const dialogs = Array.isArray(f.dialogs) ? f.dialogs : [];
    const d = (dialog && dialogs.find(x => x.dialogId === dialog.dialogId)) || dialogs.find(x => x.state !== 'CLOSED');
    if (!d) adoptNone();
    else if (dialog && dialog.dialogId === d.dialogId) { dialog.state = d.state; dialog.agentName = d.agentName; }
    else adopt(d);
    if (dialog) resume();
    if (line && line.open === false && !isOpen()) showOffline('hours');
    update();
    flush();
  }

  function resume() {
    resuming = true;
    send({ type: 'resume', dialogId: dialog.dialogId, lastSeq, ref: 'resume' });
  }

  function onOpened(d) {
    if (!d) return;
    openPending = false;
    if (!dialog || dialog.dialogId !== d.dialogId) {
      adopt(d);
      // open may join a dialog another tab already started: fetch what we have not seen.
      send({ type: 'resume', dialogId: d.dialogId, lastSeq, ref: 'resume' });
    }
    markRead();
    update();
    emit('opened', d);
    flush();
  }

  function flush() {
    if (!ready) return;
    let needOpen = false;
    outbox.forEach(i => {
      if (!i.dialogId) {
        if (isOpen()) { i.dialogId = dialog.dialogId; saveOutbox(); } else { needOpen = true; return; }
      }
      if (inflight.has(i.id) || (resuming && dialog && i.dialogId === dialog.dialogId)) return;
      if (send({ type: 'message', dialogId: i.dialogId, clientMsgId: i.id, text: i.text })) inflight.add(i.id);
    });
    if (needOpen && !openPending) {
      const f = { type: 'open', ref: 'open' };
      if (contact.name) f.name = contact.name;
      if (contact.email) f.email = contact.email;
      if (contact.identity) f.identity = contact.identity;
      openPending = send(f);
    }
  }


  function submit() {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    stopTyping();
    if (dialog && !isOpen()) adoptNone();
    const item = { id: uid(), dialogId: isOpen() ? dialog.dialogId : null, text: text.slice(0, MAX_TEXT), at: new Date().toISOString() };
    outbox.push(item);
    saveOutbox();
    renderOutbox();
    flush();
  }

  function onInput() {
    if (!isOpen() || !ready) return;
    const now = Date.now();
    if (!typingOn || now - typingSentAt >= 2000) {
      typingOn = send({ type: 'typing', dialogId: dialog.dialogId, typing: true });
      typingSentAt = now;
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(stopTyping, 3000);
  }

  function stopTyping() {
    clearTimeout(typingIdle);
    if (typingOn && dialog) send({ type: 'typing', dialogId: dialog.dialogId, typing: false });
    typingOn = false;
  }

  function showTyping(on, name) {
    clearTimeout(typingHide);
    if (!on) return hideTyping();
    typingEl.textContent = T.typing(name || (dialog && dialog.agentName) || T.agent);
    typingHide = setTimeout(hideTyping, 5000);
  }

  function hideTyping() {
    clearTimeout(typingHide);
    typingEl.textContent = '';
  }

  function setUnread(n) {
    unread = n;
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.hidden = n === 0;
    launcher.setAttribute('aria-label', n ? T.unread(n) : T.launcher);
  }

  function markRead() {
    if (!panelOpen || !dialog || readMark.s >= lastSeq) return;
    readMark = { d: dialog.dialogId, s: lastSeq };
    save('localStorage', 'read', JSON.stringify(readMark));
  }

  function update() {
    const s = !ready ? (everReady ? T.offline : T.connecting)
      : !isOpen() && line && line.open === false ? T.hoursClosed
        : !dialog ? T.idle
          : dialog.state === 'CLOSED' ? T.closed
            : dialog.state === 'ASSIGNED' ? T.assigned(dialog.agentName || T.agent)
              : queue && queue.position > 0 ? T.queue(queue.position, Math.ceil((queue.estimatedWaitSeconds || 0) / 60))
                : T.waiting;
    if (statusEl.textContent !== s) statusEl.textContent = s;
    // A button that goes disabled drops the keyboard focus: hand it to the message box first.
    const noClose = !ready || !isOpen();
    if (noClose && [closeBtn, attBtn].includes(root.activeElement)) input.focus();
    closeBtn.disabled = attBtn.disabled = noClose;
    // A copy of the dialog may be mailed to the visitor, once, to the one address given in it before it ended;
    // a closed dialog may be rated.
    const closedId = dialog && dialog.state === 'CLOSED' ? dialog.dialogId : null;
    const dId = dialog ? dialog.dialogId : null;
    if (dId !== trDlg) {
      trDlg = dId; trRef = null;
      trErr.textContent = ''; trDone.hidden = true; trEmail.removeAttribute('aria-invalid');
      if (!trEmail.value && contact.email) trEmail.value = contact.email;
    }
    if (closedId !== trFor) {
      trFor = closedId;
      rtRef = null;
      rtForm.reset();
      showStars();
      rtErr.textContent = '';
      rtForm.hidden = rated.includes(closedId);
      rtDone.hidden = !rtForm.hidden;
      rtDone.textContent = T.rtDone;
    }
    trBox.hidden = !dId;
    rtBox.hidden = !closedId;
    list.hidden = !off.hidden && !dialog;
    const state = {
      connection: ready ? 'online' : everReady ? 'offline' : 'connecting',
      dialogId: dialog ? dialog.dialogId : null,
      dialogState: dialog ? dialog.state : null,
      agentName: dialog && dialog.agentName || null,
      queuePosition: queue && dialog && dialog.state === 'WAITING' ? queue.position : null,
      offlineForm: !off.hidden,
      panel: panelOpen ? 'open' : 'closed'
    };
    const json = JSON.stringify(state);
    if (json !== lastState) { lastState = json; emit('state', state); }
  }

  function openPanel(focus) {
    panelOpen = true;
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    save('sessionStorage', 'open', '1');
    setUnread(0);
    markRead();
    list.scrollTop = list.scrollHeight;
    if (focus !== false) (off.hidden || dialog ? input : field('name')).focus();
    update();
  }

  function closePanel() {
    const hadFocus = root.activeElement && panel.contains(root.activeElement);
    panelOpen = false;
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    save('sessionStorage', 'open', null);
    if (hadFocus) launcher.focus();
    update();
  }

  launcher.addEventListener('click', () => (panelOpen ? closePanel() : openPanel()));
  $('minimize').addEventListener('click', closePanel);
  closeBtn.addEventListener('click', () => {
    if (isOpen()) { stopTyping(); send({ type: 'close', dialogId: dialog.dialogId, ref: 'close' }); }
  });
  $('chat-form').addEventListener('submit', e => { e.preventDefault(); submit(); });
  attBtn.addEventListener('click', () => fileIn.click());
  fileIn.addEventListener('change', () => { const f = fileIn.files[0]; fileIn.value = ''; if (f && isOpen()) attach(f); });
  $('tr-form').addEventListener('submit', e => {
    e.preventDefault();
    const email = trEmail.value.trim();
    trDone.hidden = true;
    trEmail.removeAttribute('aria-invalid');
    if (!email) { trErr.textContent = T.trEmpty; trEmail.setAttribute('aria-invalid', 'true'); return void trEmail.focus(); }
    const ref = 'tr-' + uid();
    if (!trDlg || !send({ type: 'transcript', dialogId: trDlg, email, ref })) return void (trErr.textContent = T.trFail + T.offline);
    trRef = ref;
    trErr.textContent = '';
    trDone.textContent = T.trDone(email);
  });
  function showStars() {
    const v = +(stars.find(i => i.checked) || {}).value || 0;
    stars.forEach(i => { i.parentNode.toggleAttribute('data-on', +i.value <= v); });
  }
  function ratedDone(id, text) {
    rtRef = null;
    if (id && !rated.includes(id)) { rated = rated.concat(id).slice(-20); save('localStorage', 'rated', JSON.stringify(rated)); }
    rtErr.textContent = '';
    rtForm.hidden = true;
    rtDone.textContent = text;
    rtDone.hidden = false;
  }
  rtForm.addEventListener('change', () => { rtErr.textContent = ''; showStars(); });
  rtForm.addEventListener('submit', e => {
    e.preventDefault();
    const star = stars.find(i => i.checked), comment = rtComment.value.trim(), ref = 'rt-' + uid();
    if (!star) { rtErr.textContent = T.rtPick; return void stars[0].focus(); }
    const f = { type: 'rate', dialogId: trFor, rating: +star.value, ref };
    if (comment) f.comment = comment.slice(0, 1000);
    if (!trFor || !send(f)) return void (rtErr.textContent = T.trFail + T.offline);
    rtRef = ref;
    rtErr.textContent = '';
  });
  input.addEventListener('input', onInput);
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  root.addEventListener('keydown', e => {
    if (e.key === 'Escape' && panelOpen) { e.preventDefault(); closePanel(); launcher.focus(); }
  });
  window.addEventListener('online', () => { if (!ws) connect(); });



  const FIELDS = ['name', 'email', 'phone', 'question', 'consent'];
  const field = n => offForm.elements[n];

  function showOffline(reason) {
    let text = reason === 'hours' ? T.offHours : T.offBusy;
    const at = line && line.open === false && line.nextOpening && new Date(line.nextOpening);
    if (reason === 'hours' && at && !isNaN(at)) {
      text += ' ' + T.opens(at.toLocaleString(LANG, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }));
    }
    offReason.textContent = text;
    if (off.hidden) {
      if (!formId) formId = 'f-' + uid();
      if (!field('name').value && contact.name) field('name').value = contact.name;
      if (!field('email').value && contact.email) field('email').value = contact.email;
      off.hidden = false;
      offForm.hidden = false;
      offDone.hidden = true;
    }
    update();
  }

  function setErrors(errors) {
    FIELDS.forEach(n => {
      const msg = errors[n] ? (T.fe[n] && LANG !== 'ru' ? T.fe[n] : errors[n]) : '';
      $('err-' + n).textContent = msg;
      field(n).setAttribute('aria-invalid', msg ? 'true' : 'false');
    });
    const first = FIELDS.find(n => errors[n]);
    if (first) field(first).focus();
  }

  async function sendForm() {
    if (formBusy) return;
    const v = n => field(n).value.trim();
    const body = {
      site: SITE, name: v('name'), email: v('email') || null, phone: v('phone') || null, question: v('question'),
      consent: field('consent').checked, clientFormId: formId
    };
    if (dialog) { body.dialogId = dialog.dialogId; body.visitorToken = token; }
    offError.textContent = '';
    const local = {};
    if (!body.name) local.name = T.fe.name || 'Укажите имя';
    if (!body.email && !body.phone) local.email = local.phone = T.fOne;
    if (!body.question) local.question = T.fe.question || 'Напишите вопрос';
    if (!body.consent) local.consent = T.fe.consent || 'Нужно согласие на обработку персональных данных';
    setErrors(local);
    if (Object.keys(local).length) return void (offError.textContent = T.fFix);
    formBusy = true;
    offSubmit.disabled = true;
    offSubmit.textContent = T.fSending;
    let r = null, problem = {};
    try {
      r = await fetch(new URL('/api/offline-forms', base).href, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body)
      });
      try { problem = await r.json(); } catch (e) { /* no body */ }
    } catch (e) { /* network */ }
    formBusy = false;
    offSubmit.disabled = false;
    offSubmit.textContent = T.fSend;
    if (r && r.status === 201) {
      formId = null;
      offForm.reset();
      offForm.hidden = true;
      offDone.hidden = false;
      offDone.focus();
      return;
    }
    const errors = problem && problem.errors || {};
    if (r && r.status === 400 && FIELDS.some(n => errors[n])) {
      setErrors(errors);
      offError.textContent = T.fFix;
    } else {
      offError.textContent = !r ? T.fNet : r.status === 429 ? T.fMany : r.status >= 500 ? T.fDown
        : (problem && (problem.detail || problem.title)) || T.fNet + ' (' + r.status + ')';
      if (r && r.status === 400) formId = 'f-' + uid();
    }
  }

  offForm.addEventListener('submit', e => { e.preventDefault(); sendForm(); });
  $('off-hide').addEventListener('click', () => { off.hidden = true; input.focus(); update(); });
  $('off-back').addEventListener('click', () => { off.hidden = true; input.focus(); update(); });

  window.RosdistantChat = {
    open: () => openPanel(),
    close: closePanel,
    setContact(c) { contact = { name: c && c.name || undefined, email: c && c.email || undefined }; },
    identify(u) { this.setContact(u); contact.identity = u && { userId: u.userId, email: u.email, name: u.name, signature: u.signature }; },
    on(ev, fn) { (handlers[ev] = handlers[ev] || []).push(fn); return this; }
  };

  function start() {
    document.body.append(host);
    renderOutbox();
    update();
    if (load('sessionStorage', 'open')) openPanel(false);
    connect();
  }
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
