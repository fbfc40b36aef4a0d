// The console's shared state and the names of its elements; every panel module imports what it needs from here.


export const STATE_LABEL = { WAITING: 'Ожидает', ASSIGNED: 'В работе', CLOSED: 'Закрыт', OFFLINE: 'Офлайн' };
export const CONN_LABEL = { connecting: 'Подключение…', online: 'На связи', offline: 'Нет связи, переподключаемся…' };
export const ERROR_TEXT = {
  DIALOG_CLOSED: 'диалог уже завершён',
  FORBIDDEN: 'диалог назначен другому оператору',
  UNKNOWN_DIALOG: 'диалог не найден',
  TEXT_TOO_LONG: 'слишком длинное сообщение',
  OFFER_GONE: 'предложение уже неактуально: диалог взял другой оператор, время вышло или нет свободного места',
  RATE_LIMITED: 'слишком много действий подряд, повторите через секунду',
  STORAGE_UNAVAILABLE: 'база данных недоступна, повторите позже',
  INTERNAL: 'внутренняя ошибка сервера, повторите позже'
};
export const APPEAL_LABEL = {
  CONSULTATION: 'Консультация', SERVICE_REQUEST: 'Запрос на обслуживание', COMPLAINT: 'Жалоба',
  CHANGE_REQUEST: 'Запрос на изменение'
};
export const TRIAGE_LABEL = { spam: 'Спам', partner: 'Партнёр', applicant: 'Абитуриент', student: 'Студент' };
export const errorText = e => ERROR_TEXT[e.code] || e.message || e.code;
export const VISITOR = 'Посетитель';
export const MAX_TEXT = 4000;

export const $ = id => document.getElementById(id);
export const el = {
  loading: $('loading'), loginView: $('login-view'), mainView: $('main-view'),
  loginForm: $('login-form'), username: $('login-username'), password: $('login-password'),
  loginError: $('login-error'), loginSubmit: $('login-submit'),
  agentName: $('agent-name'), connection: $('connection'), presence: $('presence'), logout: $('logout'),
  dialogs: $('dialogs'), noDialogs: $('no-dialogs'), conversation: $('conversation'),
  convTitle: $('conv-title'), convMeta: $('conv-meta'), messages: $('messages'), typing: $('typing'),
  replyForm: $('reply-form'), reply: $('reply'), send: $('send'),
  attachButton: $('attach-button'), attachInput: $('attach-input'), replyFiles: $('reply-files'),
  closeDialog: $('close-dialog'), removeDialog: $('remove-dialog'),
  takeOver: $('take-over'), forwardDialog: $('forward-dialog'), classifyDialog: $('classify-dialog'),
  notice: $('notice'), soundToggle: $('sound-toggle'), notifyToggle: $('notify-toggle'),
  offersPanel: $('offers-panel'), offers: $('offers'),
  triagePanel: $('triage-panel'), triage: $('triage'), noTriage: $('no-triage'), triageError: $('triage-error'),
  triageRefresh: $('triage-refresh'),
  emailPanel: $('email-panel'), emailCount: $('email-count'), emailRefresh: $('email-refresh'),
  emailError: $('email-error'), emailList: $('email-list'), noEmail: $('no-email'), emailFailedBox: $('email-failed-box'),
  emailFailed: $('email-failed'), emailFailedCount: $('email-failed-count'), noEmailFailed: $('no-email-failed'),
  closeModal: $('close-modal'), closeForm: $('close-form'), closeTitle: $('close-modal-title'),
  closeHint: $('close-modal-hint'), appealType: $('appeal-type'), requestFields: $('request-fields'),
  requestNumber: $('request-number'), dueDate: $('due-date'), closeError: $('close-error'),
  closeSubmit: $('close-submit'), closeCancel: $('close-cancel'),
  forwardModal: $('forward-modal'), forwardForm: $('forward-form'), forwardAgent: $('forward-agent'),
  forwardAgentLabel: $('forward-agent-label'), forwardLine: $('forward-line'), forwardLineLabel: $('forward-line-label'),
  forwardNote: $('forward-note'), forwardError: $('forward-error'), forwardSubmit: $('forward-submit'),
  forwardCancel: $('forward-cancel'),
  tasks: $('tasks'), noTasks: $('no-tasks'), tasksError: $('tasks-error'), tasksCount: $('tasks-count'),
  tasksRefresh: $('tasks-refresh'),
  cardPanel: $('card-panel'), cardToggle: $('card-toggle'), cardRefresh: $('card-refresh'), cardStatus: $('card-status'),
  cardContent: $('card-content'), cardFields: $('card-fields'), cardHistory: $('card-history'),
  cardHistoryCount: $('card-history-count'), cardForms: $('card-forms'), cardFormsCount: $('card-forms-count'),
  cardCurrent: $('card-current'), cardCurrentTranscript: $('card-current-transcript'),
  cardTasks: $('card-tasks'), cardTasksCount: $('card-tasks-count'),
  cannedButton: $('canned-button'), cannedSuggestions: $('canned-suggestions'), cannedPanel: $('canned-panel'),
  cannedCount: $('canned-count'), cannedNew: $('canned-new'), cannedError: $('canned-error'),
  cannedForm: $('canned-form'), cannedLine: $('canned-line'), cannedShortcut: $('canned-shortcut'),
  cannedName: $('canned-name'), cannedText: $('canned-text'), cannedFormError: $('canned-form-error'),
  overviewPanel: $('overview-panel'), overviewAt: $('overview-at'), overviewRefresh: $('overview-refresh'),
  overviewAll: $('overview-all'), overviewError: $('overview-error'), overview: $('overview'),
  overviewEmpty: $('overview-empty'), overviewOutbox: $('overview-outbox'),
  middleTabs: $('middle-tabs'), tabLive: $('tab-live'), tabDialog: $('tab-dialog'),
  helpOpen: $('help-open'), helpModal: $('help-modal'), helpKeys: $('help-keys'), helpClose: $('help-close'),
  adminOpen: $('admin-open'), adminModal: $('admin-modal'), adminClose: $('admin-close'), adminError: $('admin-error'),
  adminNew: $('admin-new'), adminForm: $('admin-form'), adminFormTitle: $('admin-form-title'), adminLogin: $('admin-login'),
  adminDisplay: $('admin-display'), adminPassword: $('admin-password'), adminMax: $('admin-max'),
  adminRoles: $('admin-roles'), adminLines: $('admin-lines'), adminEnabled: $('admin-enabled'),
  adminFormError: $('admin-form-error'), adminSave: $('admin-save'), adminCancel: $('admin-cancel'),
  adminAgents: document.querySelector('#admin-agents tbody'), adminLinesTable: document.querySelector('#admin-lines-table tbody'),
  cannedSave: $('canned-save'), cannedCancel: $('canned-cancel'), cannedList: $('canned-list'), noCanned: $('no-canned')
};

// What several panels read and change: who is logged in, the socket (shared/protocol.js's Connection, set by
// main.js), the dialog on screen, read marks, and the close / forward / take-over under way.
export const app = {
  me: null,               // {login, displayName, roles}
  agentId: null,          // from the socket's welcome
  loggedIn: false,
  conn: null,
  selectedId: null,
  readMarks: {},          // dialogId -> highest seq the agent has seen on screen
  closing: null,          // {id, mode: 'close' | 'classify', sent}
  forwarding: null,       // {id, sent}
  takingOver: null,       // dialogId
  chosenPresence: null,   // the presence the agent last chose; sent again after every reconnect
  left: new Set(),        // dialogs that left this agent (dialog_left): a late `dialog` frame does not bring them back
  labels: null            // GET /api/labels?lang=ru: {group: {code: name}}
};
export const dialogs = new Map();    // dialogId -> dialog state, in insertion order

/** Sends a frame on the agent socket; false while it is not connected. */
export const send = frame => !!app.conn && app.conn.send(frame);

export const key = k => 'contact-gateway-console:' + (app.me ? app.me.login : '') + ':' + k;
export function load(area, k, dflt) {
  try { return JSON.parse(window[area].getItem(key(k))) || dflt; } catch (e) { return dflt; }
}
export function save(area, k, v) {
  try { v == null ? window[area].removeItem(key(k)) : window[area].setItem(key(k), JSON.stringify(v)); } catch (e) { /* ignore */ }
}
export const saveReadMarks = () => save('localStorage', 'read', app.readMarks);

// The names people read for the API's codes, from /api/labels (loaded once after login; these few stand in until
// then). A code the server does not name is shown as it is.
const FALLBACK_LABELS = {
  dialogLeft: { forwarded: 'Передан', triaged: 'Распределён', taken_over: 'Забран руководителем',
    requeued: 'Возвращён в очередь', spam: 'Закрыт как спам' },
  appealType: APPEAL_LABEL, dialogState: STATE_LABEL
};
export function label(group, code) {
  if (code == null || code === '') return '';
  const g = (app.labels && app.labels[group]) || FALLBACK_LABELS[group];
  return (g && g[code]) || String(code);
}
export async function loadLabels() {
  if (app.labels) return app.labels;
  try {
    const r = await fetch('/api/labels?lang=ru', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (r.ok) app.labels = await r.json();
  } catch (e) { /* the fallbacks and the codes stay */ }
  return app.labels;
}

export const hasRole = r => !!(app.me && Array.isArray(app.me.roles) && app.me.roles.includes(r));
export const isSupervisor = () => hasRole('SUPERVISOR');
