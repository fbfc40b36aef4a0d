/*
 * contact-gateway agent console. Plain JS, no dependencies; the wire protocol is docs/protocol.md.
 * Views: login (POST /login) and main (WebSocket /ws/agent: dialogs, history, replies, presence, typing).
 */
(function () {
  'use strict';

  const STATE_LABEL = { WAITING: 'Ожидает', ASSIGNED: 'В работе', CLOSED: 'Закрыт', OFFLINE: 'Офлайн' };
  const CONN_LABEL = { connecting: 'Подключение…', online: 'На связи', offline: 'Нет связи, переподключаемся…' };
  const ERROR_TEXT = {
    DIALOG_CLOSED: 'диалог уже завершён',
    FORBIDDEN: 'диалог назначен другому оператору',
    UNKNOWN_DIALOG: 'диалог не найден',
    TEXT_TOO_LONG: 'слишком длинное сообщение',
    OFFER_GONE: 'предложение уже неактуально: диалог взял другой оператор, время вышло или нет свободного места',
    RATE_LIMITED: 'слишком много действий подряд, повторите через секунду',
    STORAGE_UNAVAILABLE: 'база данных недоступна, повторите позже',
    INTERNAL: 'внутренняя ошибка сервера, повторите позже'
  };
  const APPEAL_LABEL = {
    CONSULTATION: 'Консультация', SERVICE_REQUEST: 'Запрос на обслуживание', COMPLAINT: 'Жалоба',
    CHANGE_REQUEST: 'Запрос на изменение'
  };
  const TRIAGE_LABEL = { spam: 'Спам', partner: 'Партнёр', applicant: 'Абитуриент', student: 'Студент' };
  const errorText = e => ERROR_TEXT[e.code] || e.message || e.code;
  const VISITOR = 'Посетитель';
  const MAX_TEXT = 4000;

  const $ = id => document.getElementById(id);
  const el = {
    loading: $('loading'), loginView: $('login-view'), mainView: $('main-view'),
    loginForm: $('login-form'), username: $('login-username'), password: $('login-password'),
    loginError: $('login-error'), loginSubmit: $('login-submit'),
    agentName: $('agent-name'), connection: $('connection'), presence: $('presence'), logout: $('logout'),
    dialogs: $('dialogs'), noDialogs: $('no-dialogs'), conversation: $('conversation'),
    convTitle: $('conv-title'), convMeta: $('conv-meta'), messages: $('messages'), typing: $('typing'),
    replyForm: $('reply-form'), reply: $('reply'), send: $('send'),
    closeDialog: $('close-dialog'), removeDialog: $('remove-dialog'),
    takeOver: $('take-over'), forwardDialog: $('forward-dialog'), classifyDialog: $('classify-dialog'),
    notice: $('notice'), soundToggle: $('sound-toggle'), notifyToggle: $('notify-toggle'),
    offersPanel: $('offers-panel'), offers: $('offers'),
    triagePanel: $('triage-panel'), triage: $('triage'), noTriage: $('no-triage'), triageError: $('triage-error'),
    triageRefresh: $('triage-refresh'),
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
    cardTasks: $('card-tasks'), cardTasksCount: $('card-tasks-count'),
    cannedButton: $('canned-button'), cannedSuggestions: $('canned-suggestions'), cannedPanel: $('canned-panel'),
    cannedCount: $('canned-count'), cannedNew: $('canned-new'), cannedError: $('canned-error'),
    cannedForm: $('canned-form'), cannedLine: $('canned-line'), cannedShortcut: $('canned-shortcut'),
    cannedName: $('canned-name'), cannedText: $('canned-text'), cannedFormError: $('canned-form-error'),
    overviewPanel: $('overview-panel'), overviewAt: $('overview-at'), overviewRefresh: $('overview-refresh'),
    overviewAll: $('overview-all'), overviewError: $('overview-error'), overview: $('overview'),
    overviewEmpty: $('overview-empty'), overviewOutbox: $('overview-outbox'),
    adminOpen: $('admin-open'), adminModal: $('admin-modal'), adminClose: $('admin-close'), adminError: $('admin-error'),
    adminNew: $('admin-new'), adminForm: $('admin-form'), adminFormTitle: $('admin-form-title'), adminLogin: $('admin-login'),
    adminDisplay: $('admin-display'), adminPassword: $('admin-password'), adminMax: $('admin-max'),
    adminRoles: $('admin-roles'), adminLines: $('admin-lines'), adminEnabled: $('admin-enabled'),
    adminFormError: $('admin-form-error'), adminSave: $('admin-save'), adminCancel: $('admin-cancel'),
    adminAgents: document.querySelector('#admin-agents tbody'), adminLinesTable: document.querySelector('#admin-lines-table tbody'),
    cannedSave: $('canned-save'), cannedCancel: $('canned-cancel'), cannedList: $('canned-list'), noCanned: $('no-canned')
  };

  /* ------------------------------------------------------------- state */

  let me = null;                // {login, displayName, roles}
  let agentId = null;           // from the socket's welcome
  let ws = null, ready = false, everReady = false, attempt = 0, reconnectTimer = 0, pingTimer = 0, loggedIn = false;
  let welcomeTimer = 0;
  const WELCOME_TIMEOUT = 10000;
  let chosenPresence = null;    // what the agent last chose; re-sent after every reconnect
  const dialogs = new Map();    // dialogId -> dialog state, in insertion order
  let selectedId = null;
  let outbox = [];              // [{id, dialogId, text, at}] not yet acknowledged
  const inflight = new Set();
  let readMarks = {};           // dialogId -> highest seq the agent has seen on screen
  let typingOn = false, typingDialog = null, typingSentAt = 0, typingIdle = 0;

  const key = k => 'contact-gateway-console:' + (me ? me.login : '') + ':' + k;
  function load(area, k, dflt) {
    try { return JSON.parse(window[area].getItem(key(k))) || dflt; } catch (e) { return dflt; }
  }
  function save(area, k, v) {
    try { v == null ? window[area].removeItem(key(k)) : window[area].setItem(key(k), JSON.stringify(v)); } catch (e) { /* ignore */ }
  }
  const saveOutbox = () => save('localStorage', 'outbox', outbox.length ? outbox : null);
  const saveReadMarks = () => save('localStorage', 'read', readMarks);

  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    if (window.crypto && crypto.getRandomValues) {
      return Array.from(crypto.getRandomValues(new Uint8Array(16)), b => (b + 256).toString(16).slice(1)).join('');
    }
    return 'c-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
  }

  /* -------------------------------------------------------------- auth */

  function showView(view) {
    el.loading.hidden = true;
    el.loginView.hidden = view !== 'login';
    el.mainView.hidden = view !== 'main';
  }

  async function boot() {
    try {
      const r = await fetch('/api/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (r.ok) return enterMain(await r.json());
    } catch (e) { /* server unreachable: show the login form */ }
    showLogin();
  }

  function showLogin(message) {
    showView('login');
    el.loginError.textContent = message || '';
    el.password.value = '';
    (el.username.value ? el.password : el.username).focus();
  }

  el.loginForm.addEventListener('submit', async e => {
    e.preventDefault();
    const username = el.username.value.trim(), password = el.password.value;
    if (!username || !password) { el.loginError.textContent = 'Введите логин и пароль.'; return; }
    el.loginError.textContent = '';
    el.loginSubmit.disabled = true;
    try {
      const r = await fetch('/login', {
        method: 'POST', body: new URLSearchParams({ username, password }), credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      });
      if (r.ok) {
        let who = null;
        try { who = await r.json(); } catch (err) { /* fall back to /api/me */ }
        if (!who) who = await (await fetch('/api/me', { credentials: 'same-origin' })).json();
        el.password.value = '';
        enterMain(who);
      } else if (r.status === 401) {
        el.loginError.textContent = 'Неверный логин или пароль.';
        el.password.select();
      } else if (r.status === 429) {
        el.loginError.textContent = 'Слишком много неудачных попыток входа. Попробуйте позже.';
      } else {
        el.loginError.textContent = 'Не удалось войти (ошибка ' + r.status + ').';
      }
    } catch (err) {
      el.loginError.textContent = 'Сервер недоступен. Попробуйте ещё раз.';
    } finally {
      el.loginSubmit.disabled = false;
    }
  });

  function enterMain(who) {
    me = who || {};
    loggedIn = true;
    el.agentName.textContent = me.displayName || me.login || '';
    outbox = load('localStorage', 'outbox', []);
    readMarks = load('localStorage', 'read', {});
    chosenPresence = load('sessionStorage', 'presence', null);
    el.soundToggle.checked = load('localStorage', 'sound', true) === true;
    el.notifyToggle.checked = load('localStorage', 'notify', false) === true && notificationsAllowed();
    showView('main');
    setConnection('connecting');
    setCardCollapsed(load('localStorage', 'cardCollapsed', false) === true);
    renderDialogList();
    renderConversation();
    connect();
    setupTasks();
    setupCanned();
    el.adminOpen.hidden = !hasRole('ADMIN');
  }

  el.logout.addEventListener('click', async () => {
    stopTyping();
    try { await fetch('/logout', { method: 'POST', credentials: 'same-origin' }); } catch (e) { /* leave anyway */ }
    save('sessionStorage', 'presence', null);
    leaveMain();
    showLogin();
  });

  function leaveMain(message) {
    loggedIn = false;
    hideModal(el.adminModal);
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    clearTimeout(welcomeTimer);
    const sock = ws;
    ws = null; ready = false; everReady = false; attempt = 0;
    if (sock) sock.close(1000);
    dialogs.clear();
    offers.forEach(o => clearTimeout(o.timer));
    offers.clear();
    renderOffers();
    clearInterval(triageTimer);
    el.triagePanel.hidden = true;
    clearInterval(overviewTimer);
    el.overviewPanel.hidden = true;
    clearInterval(tasksTimer);
    clearTimeout(tasksSoon);
    taskItems = [];
    renderTasks();
    cannedItems = [];
    hideCanned();
    closeCannedForm();
    el.cannedPanel.hidden = true;
    showCard(null);
    selectedId = null;
    inflight.clear();
    el.dialogs.textContent = '';
    updateTitle();
    if (message) showLogin(message);
  }

  /* -------------------------------------------------------- connection */

  function send(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (!loggedIn) return;
    const sock = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/agent');
    ws = sock;
    // A socket that does not get to welcome in time is given up for a new one, as a closed one would be.
    clearTimeout(welcomeTimer);
    welcomeTimer = setTimeout(() => {
      if (ws !== sock || ready) return;
      lost(sock);
      try { sock.close(); } catch (e) { /* already closing */ }
    }, WELCOME_TIMEOUT);
    sock.onmessage = ev => {
      if (ws !== sock) return;
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      handle(f);
    };
    sock.onclose = ev => closed(sock, ev.code);
  }

  // The server ends the socket on purpose (docs/protocol.md): 4401 the session has ended (logout elsewhere, a new
  // password, the account disabled, too many sessions); 4409 an administrator changed the account: reconnect at once.
  function closed(sock, code) {
    if (ws !== sock) return;
    if (code === 4401) {
      leaveMain('Сеанс завершён: выход, смена пароля, отключение учётной записи или вход с другого места. Войдите снова.');
      return;
    }
    if (code === 4409) {
      attempt = 0;
      showNotice('Администратор изменил вашу учётную запись — переподключаемся.');
    }
    lost(sock);
  }

  // The connection is gone (or given up): forget what was in flight and reconnect after a back-off.
  function lost(sock) {
    if (ws !== sock) return;
    clearTimeout(welcomeTimer);
    ws = null; ready = false;
    inflight.clear();
    clearInterval(pingTimer);
    typingOn = false;
    dialogs.forEach(d => { d.resuming = false; d.visitorTyping = false; });
    setConnection(everReady ? 'offline' : 'connecting');
    renderTyping();
    scheduleReconnect();
  }

  async function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    // The handshake is refused without a session; after a few failures find out whether that is why.
    if (attempt >= 2) {
      try {
        const r = await fetch('/api/me', { credentials: 'same-origin' });
        if (r.status === 401) return leaveMain('Сессия истекла. Войдите снова.');
      } catch (e) { /* the server is down: keep trying */ }
    }
    if (!loggedIn) return;
    // the widget's back-off (docs/protocol.md): 0.25, 0.5, 1, 2 s, every 2 s for about a minute, then every 10 s
    reconnectTimer = setTimeout(connect, Math.min(attempt < 30 ? 2000 : 10000, 250 * 2 ** attempt++) * (0.75 + Math.random() / 2));
  }

  function setConnection(state) {
    el.connection.dataset.state = state;
    el.connection.textContent = CONN_LABEL[state];
  }

  function handle(f) {
    switch (f.type) {
      case 'welcome': onWelcome(f); break;
      case 'presence': if (f.status) el.presence.value = f.status; break;
      case 'dialog': if (f.dialog) onDialogFrame(f.dialog); break;
      case 'offer': onOffer(f); break;
      case 'offer_withdrawn': removeOffer(f.dialogId); break;
      case 'message': onMessage(f); break;
      case 'ack': onAck(f); break;
      case 'resumed': {
        const d = dialogs.get(f.dialogId);
        if (d) { d.resuming = false; flush(); }
        break;
      }
      case 'typing': onTyping(f); break;
      case 'error': onError(f); break;
    }
  }

  function onWelcome(f) {
    clearTimeout(welcomeTimer);
    ready = everReady = true;
    attempt = 0;
    setConnection('online');
    clearInterval(pingTimer);
    pingTimer = setInterval(() => send({ type: 'ping' }), 25000);
    if (f.agent) {
      agentId = f.agent.id;
      me = Object.assign({}, me, { displayName: f.agent.displayName || me.displayName, roles: f.agent.roles || me.roles });
      el.agentName.textContent = me.displayName || me.login || '';
      el.adminOpen.hidden = !hasRole('ADMIN');
    }
    if (chosenPresence && chosenPresence !== f.presence) send({ type: 'presence', status: chosenPresence });
    el.presence.value = chosenPresence || f.presence || 'OFFLINE';
    (f.dialogs || []).forEach(s => upsertDialog(s, false));
    setupTriage();
    setupOverview();
    // Every known dialog, including those the server no longer lists (closed meanwhile), catches up from its last seq.
    dialogs.forEach(resume);
    flush();
  }

  function resume(d) {
    d.resuming = send({ type: 'resume', dialogId: d.id, lastSeq: d.lastSeq, ref: 'resume:' + d.id });
  }

  function onError(e) {
    const ref = e.ref || '';
    const item = outbox.find(i => i.id === ref);
    if (item) {
      inflight.delete(item.id);
      if (e.retryable) { setTimeout(flush, 2000 + Math.random() * 2000); return; }
      dropOutbox(item.id);
      const d = dialogs.get(item.dialogId), node = d && d.byCid.get(item.id);
      if (node) setState(node, 'failed', ERROR_TEXT[e.code] || e.message || e.code);
      return;
    }
    if (!ref && e.dialogId) {
      // The server could not read a dialog's messages while replaying them (resume, or filling a gap); that
      // error names the dialog but has no ref. Resuming again fetches what is missing.
      const d = dialogs.get(e.dialogId);
      if (d && e.retryable) setTimeout(() => ready && resume(d), 2000);
      return;
    }
    if (ref.startsWith('resume:')) {
      const d = dialogs.get(ref.slice(7));
      if (!d) return;
      d.resuming = false;
      if (e.retryable) setTimeout(() => ready && resume(d), 2000);
      else { d.error = ERROR_TEXT[e.code] || e.message; renderConversation(); flush(); }
      return;
    }
    const colon = ref.indexOf(':'), kind = colon > 0 ? ref.slice(0, colon) : '', id = ref.slice(colon + 1);
    if (kind === 'close' || kind === 'classify') return closeFailed(id, e);
    if (kind === 'forward' || kind === 'take_over') return forwardFailed(kind, id, e);
    if (kind === 'accept') {
      removeOffer(id);
      return showNotice('Не удалось принять диалог: ' + errorText(e));
    }
    if (kind === 'triage') return triageFailed(id, e);
    if (e.code) showNotice('Ошибка: ' + errorText(e));
  }

  let noticeTimer = 0;
  function showNotice(text) {
    el.notice.textContent = text;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { el.notice.textContent = ''; }, 15000);
  }

  /* ----------------------------------------------------------- dialogs */

  function upsertDialog(s, fromDialogFrame) {
    let d = dialogs.get(s.dialogId);
    const isNew = !d;
    if (isNew) {
      const list = document.createElement('div');
      list.className = 'messages';
      list.setAttribute('role', 'log');
      list.setAttribute('aria-live', 'polite');
      list.setAttribute('aria-labelledby', 'conv-title');
      d = {
        id: s.dialogId, summary: s, seen: new Set(), lastSeq: 0, unread: 0, list, byCid: new Map(),
        resuming: false, visitorTyping: false, typingTimer: 0, error: null
      };
      dialogs.set(d.id, d);
    } else {
      d.summary = Object.assign({}, d.summary, s);
    }
    if (isNew && fromDialogFrame && ready) resume(d);  // a newly assigned dialog: load its whole history
    renderDialogList();
    // A new dialog to answer takes the screen when nothing answerable is on it (no selection, or a dialog that
    // is closed or no longer this agent's); an agent busy in another dialog is not pulled away: the new one
    // shows its unread count instead.
    const current = dialogs.get(selectedId);
    if (!current || (isNew && !canWrite(current) && canWrite(d))) select(d.id);
    else if (selectedId === d.id) renderConversation();
  }

  function stateOf(d) { return d.summary.state || 'WAITING'; }
  const hasRole = r => !!(me && Array.isArray(me.roles) && me.roles.includes(r));
  const isSupervisor = () => hasRole('SUPERVISOR');
  // A dialog the visitor closed before the agent did still needs its appeal type, from the agent who had it.
  function needsClass(d) {
    return !!d && stateOf(d) === 'CLOSED' && !d.summary.appealType && d.summary.agentId != null
      && (agentId == null || d.summary.agentId === agentId);
  }
  // The server takes replies only in a dialog assigned to this agent and not closed; a dialog that went back to
  // the waiting line (agentId null) or to a colleague is read-only here.
  function canWrite(d) {
    return !!d && stateOf(d) === 'ASSIGNED' && (agentId == null || d.summary.agentId === agentId);
  }
  const siteLabel = s => s.siteName || s.site || '';
  const openedAt = d => Date.parse(d.summary.openedAt) || 0;

  function renderDialogList() {
    // Open dialogs first, newest on top.
    const items = [...dialogs.values()].sort((a, b) =>
      (stateOf(a) === 'CLOSED') - (stateOf(b) === 'CLOSED') || openedAt(b) - openedAt(a));
    el.noDialogs.hidden = items.length > 0;
    const existing = new Map([...el.dialogs.children].map(li => [li.dataset.dialogId, li]));
    items.forEach((d, index) => {
      let li = existing.get(d.id);
      if (!li) li = buildItem(d);
      existing.delete(d.id);
      fillItem(li, d);
      if (el.dialogs.children[index] !== li) el.dialogs.insertBefore(li, el.dialogs.children[index] || null);
    });
    existing.forEach(li => li.remove());
    updateTitle();
  }

  function buildItem(d) {
    const li = document.createElement('li');
    li.className = 'dialog-item';
    li.dataset.dialogId = d.id;
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'dialog-open';
    for (const cls of ['site', 'visitor', 'state', 'typing-flag', 'unread']) {
      const span = document.createElement('span');
      span.className = cls;
      open.append(span);
    }
    open.addEventListener('click', () => select(d.id));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'dialog-remove';
    remove.textContent = '×';
    remove.title = 'Убрать из списка';
    remove.setAttribute('aria-label', 'Убрать закрытый диалог из списка');
    remove.addEventListener('click', () => removeDialog(d.id));
    li.append(open, remove);
    return li;
  }

  function fillItem(li, d) {
    const state = stateOf(d);
    li.dataset.state = state;
    li.classList.toggle('selected', d.id === selectedId);
    li.firstChild.setAttribute('aria-current', d.id === selectedId ? 'true' : 'false');
    li.querySelector('.site').textContent = siteLabel(d.summary);
    li.querySelector('.visitor').textContent = d.summary.visitorName || VISITOR;
    li.querySelector('.state').textContent = (STATE_LABEL[state] || state) + (needsClass(d) ? ' · укажите тип обращения' : '');
    li.dataset.unclassified = needsClass(d) ? 'true' : 'false';
    li.querySelector('.typing-flag').textContent = d.visitorTyping && state !== 'CLOSED' ? 'печатает…' : '';
    const unread = li.querySelector('.unread');
    unread.textContent = String(d.unread);
    unread.hidden = d.unread === 0;
    unread.setAttribute('aria-label', 'непрочитанных: ' + d.unread);
    li.lastChild.hidden = state !== 'CLOSED';
  }

  function updateTitle() {
    let total = 0;
    dialogs.forEach(d => { total += d.unread; });
    document.title = (total ? '(' + total + ') ' : '') + 'Консоль оператора — contact-gateway';
  }

  function select(id) {
    if (selectedId !== id) stopTyping();
    const changed = selectedId !== id;
    selectedId = id;
    const d = dialogs.get(id);
    if (d) markRead(d);
    renderDialogList();
    renderConversation();
    if (changed) loadCard(id);
    if (d && canWrite(d)) el.reply.focus();
  }

  function removeDialog(id) {
    const d = dialogs.get(id);
    if (!d || stateOf(d) !== 'CLOSED') return;
    dialogs.delete(id);
    delete readMarks[id];
    saveReadMarks();
    if (selectedId === id) {
      selectedId = dialogs.size ? dialogs.keys().next().value : null;
      loadCard(selectedId);
    }
    renderDialogList();
    renderConversation();
  }

  function renderConversation() {
    const d = dialogs.get(selectedId);
    // Each dialog keeps its own message list; the selected one takes the place (and the id) of #messages.
    const list = d ? d.list : emptyList();
    if (el.messages !== list) {
      el.messages.removeAttribute('id');
      el.messages.replaceWith(list);
      list.id = 'messages';
      el.messages = list;
      list.scrollTop = list.scrollHeight;
    }
    if (!d) {
      el.convTitle.textContent = dialogs.size ? 'Выберите диалог' : 'Нет диалогов';
      el.convMeta.textContent = '';
    } else {
      const s = d.summary;
      el.convTitle.textContent = (s.visitorName || VISITOR) + ' · ' + siteLabel(s);
      const opened = s.openedAt ? new Date(s.openedAt).toLocaleString('ru') : '';
      const fw = s.forward;
      el.convMeta.textContent = [STATE_LABEL[stateOf(d)] || stateOf(d), opened && 'открыт ' + opened,
        s.agentId != null && agentId != null && s.agentId !== agentId
          ? 'назначен ' + (s.agentName ? 'оператору ' + s.agentName : 'другому оператору') : '',
        s.appealType && (APPEAL_LABEL[s.appealType] || s.appealType) + (s.requestNumber ? ' № ' + s.requestNumber : ''),
        needsClass(d) && 'посетитель завершил диалог — укажите тип обращения',
        fw && fw.by && 'передан: ' + fw.by + (fw.note ? ' — «' + fw.note + '»' : ''), d.error]
        .filter(Boolean).join(' · ');
    }
    const writable = canWrite(d);
    el.reply.disabled = !writable;
    el.send.disabled = !writable;
    el.reply.placeholder = !d ? 'Выберите диалог' : writable
      ? 'Ответ посетителю… (Enter — отправить, Shift+Enter — новая строка)'
      : stateOf(d) === 'CLOSED' ? 'Диалог завершён' : 'Писать можно только в своих диалогах';
    el.closeDialog.disabled = !writable;
    el.cannedButton.disabled = !writable;
    if (!writable || cannedShownFor !== selectedId) hideCanned();
    const open = !!d && stateOf(d) !== 'CLOSED';
    el.forwardDialog.disabled = !(writable || (open && isSupervisor()));
    el.takeOver.hidden = !(open && isSupervisor() && d.summary.agentId !== agentId);
    el.classifyDialog.hidden = !needsClass(d);
    el.removeDialog.hidden = !d || stateOf(d) !== 'CLOSED';
    renderTyping();
  }

  let placeholderList = null;
  function emptyList() {
    if (!placeholderList) {
      placeholderList = document.createElement('div');
      placeholderList.className = 'messages';
      placeholderList.setAttribute('role', 'log');
      placeholderList.setAttribute('aria-live', 'polite');
    }
    return placeholderList;
  }

  function markRead(d) {
    d.unread = 0;
    if ((readMarks[d.id] || 0) < d.lastSeq) { readMarks[d.id] = d.lastSeq; saveReadMarks(); }
  }

  /* ---------------------------------------------------------- messages */

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
        a.href = url;
        a.textContent = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        parent.append(a);
      } else {
        parent.append(url);
      }
      at = m.index + url.length;
      re.lastIndex = at;
    }
    parent.append(text.slice(at));
  }

  function div(cls, parent, text) {
    const node = document.createElement('div');
    node.className = cls;
    if (text != null) node.textContent = text;
    if (parent) parent.append(node);
    return node;
  }

  function timeOf(at) {
    const t = new Date(at || Date.now());
    return isNaN(t) ? '' : t.toLocaleTimeString('ru', { hour: '2-digit', minute: '2-digit' });
  }

  function makeMsg(d, m) {
    const node = div('msg');
    node.dataset.from = m.from;
    if (m.from === 'visitor') div('name', node, d.summary.visitorName || VISITOR);
    if (m.from === 'agent') div('name', node, m.agentName || (me && me.displayName) || 'Оператор');
    const text = div('text', node);
    if (m.from === 'system') text.textContent = m.text || m.event || '';
    else linkify(text, String(m.text || ''));
    if (m.event === 'file' && m.clientMsgId) {
      // a visitor's file: staff download it with their login (served as an attachment, never inline)
      const a = document.createElement('a');
      a.className = 'file';
      a.href = '/api/dialogs/' + encodeURIComponent(m.dialogId) + '/files/' + encodeURIComponent(m.clientMsgId);
      a.download = m.fileName || '';
      a.textContent = 'Скачать файл: ' + (m.fileName || '');
      text.append(document.createElement('br'), a);
    }
    div('meta', node);
    node._at = m.at;
    if (m.from === 'agent') setState(node, 'sent'); else setMeta(node);
    return node;
  }

  function setMeta(node, extra) {
    node.lastChild.textContent = timeOf(node._at) + (extra ? ' · ' + extra : '');
  }

  function setState(node, state, err) {
    node.dataset.state = state;
    setMeta(node, state === 'sending' ? 'отправляется…' : state === 'failed' ? 'не отправлено' + (err ? ': ' + err : '') : '');
  }

  // Keeps a dialog's list in seq order; own messages without a seq yet stay at the end.
  function place(d, node, seq) {
    const list = d.list;
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    let ref = null;
    if (seq != null) {
      for (const c of list.children) {
        if (c !== node && (!c.dataset.seq || +c.dataset.seq > seq)) { ref = c; break; }
      }
    }
    if (node.parentNode !== list || node.nextSibling !== ref) list.insertBefore(node, ref);
    if (stick || seq == null) list.scrollTop = list.scrollHeight;
  }

  function onMessage(m) {
    const d = dialogs.get(m.dialogId);
    if (!d || typeof m.seq !== 'number' || d.seen.has(m.seq)) return;
    d.seen.add(m.seq);
    d.lastSeq = Math.max(d.lastSeq, m.seq);
    let node = m.from === 'agent' && m.clientMsgId && d.byCid.get(m.clientMsgId);
    if (node) {
      dropOutbox(m.clientMsgId);
      node._at = m.at;
      setState(node, 'sent');
    } else {
      node = makeMsg(d, m);
    }
    node.dataset.seq = m.seq;
    place(d, node, m.seq);
    if (m.from === 'system') {
      if (m.event === 'assigned') d.summary = Object.assign({}, d.summary, { state: 'ASSIGNED', agentName: m.agentName });
      if (m.event === 'closed') { d.summary = Object.assign({}, d.summary, { state: 'CLOSED' }); d.visitorTyping = false; }
    }
    if (m.from === 'visitor') {
      d.visitorTyping = false;
      clearTimeout(d.typingTimer);
      const visible = d.id === selectedId && !document.hidden;
      if (!visible && m.seq > (readMarks[d.id] || 0)) d.unread++;
    }
    if (d.id === selectedId && !document.hidden) markRead(d);
    renderDialogList();
    if (d.id === selectedId && m.from === 'system') renderConversation();
  }

  function onAck(a) {
    dropOutbox(a.clientMsgId);
    const d = dialogs.get(a.dialogId), node = d && d.byCid.get(a.clientMsgId);
    if (!node) return;
    if (node.dataset.state !== 'sent') { node._at = a.at; setState(node, 'sent'); }
    if (!node.dataset.seq && typeof a.seq === 'number') { node.dataset.seq = a.seq; place(d, node, a.seq); }
  }

  function dropOutbox(id) {
    inflight.delete(id);
    const n = outbox.length;
    outbox = outbox.filter(i => i.id !== id);
    if (outbox.length !== n) saveOutbox();
  }

  // Shows unacknowledged messages of a dialog (e.g. from before a reload) and sends what is not in flight.
  function flush() {
    outbox.forEach(i => {
      const d = dialogs.get(i.dialogId);
      if (d && !d.byCid.has(i.id)) {
        const node = makeMsg(d, { from: 'agent', text: i.text, at: i.at, agentName: me && me.displayName });
        setState(node, 'sending');
        d.byCid.set(i.id, node);
        place(d, node);
      }
      if (!ready || inflight.has(i.id) || (d && d.resuming)) return;
      if (send({ type: 'message', dialogId: i.dialogId, clientMsgId: i.id, text: i.text })) inflight.add(i.id);
    });
  }

  function submitReply() {
    const d = dialogs.get(selectedId);
    const text = el.reply.value.trim();
    if (!d || !text || !canWrite(d)) return;
    el.reply.value = '';
    stopTyping();
    outbox.push({ id: uid(), dialogId: d.id, text: text.slice(0, MAX_TEXT), at: new Date().toISOString() });
    saveOutbox();
    flush();
    d.list.scrollTop = d.list.scrollHeight;
  }

  el.replyForm.addEventListener('submit', e => { e.preventDefault(); submitReply(); });
  el.reply.addEventListener('keydown', e => {
    if (cannedKey(e)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submitReply(); }
  });
  el.closeDialog.addEventListener('click', () => {
    const d = dialogs.get(selectedId);
    if (!d || !canWrite(d)) return;
    stopTyping();
    openCloseModal(d, 'close');
  });
  el.classifyDialog.addEventListener('click', () => {
    const d = dialogs.get(selectedId);
    if (needsClass(d)) openCloseModal(d, 'classify');
  });
  el.removeDialog.addEventListener('click', () => removeDialog(selectedId));
  el.presence.addEventListener('change', () => {
    chosenPresence = el.presence.value;
    save('sessionStorage', 'presence', chosenPresence);
    send({ type: 'presence', status: chosenPresence });
  });
  document.addEventListener('visibilitychange', () => {
    const d = dialogs.get(selectedId);
    if (!document.hidden && d) { markRead(d); renderDialogList(); }
  });

  /* ------------------------------------------------------------ typing */

  el.reply.addEventListener('input', () => {
    const d = dialogs.get(selectedId);
    if (!d || !canWrite(d) || !ready) return;
    const now = Date.now();
    if (!typingOn || typingDialog !== d.id || now - typingSentAt >= 2000) {
      typingOn = send({ type: 'typing', dialogId: d.id, typing: true });
      typingDialog = d.id;
      typingSentAt = now;
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(stopTyping, 3000);
  });

  function stopTyping() {
    clearTimeout(typingIdle);
    if (typingOn && typingDialog) send({ type: 'typing', dialogId: typingDialog, typing: false });
    typingOn = false;
  }

  function onTyping(f) {
    const d = dialogs.get(f.dialogId);
    if (!d || f.from !== 'visitor') return;
    clearTimeout(d.typingTimer);
    d.visitorTyping = !!f.typing;
    if (d.visitorTyping) {
      d.typingTimer = setTimeout(() => { d.visitorTyping = false; renderDialogList(); renderTyping(); }, 5000);
    }
    renderDialogList();
    renderTyping();
  }

  function renderTyping() {
    const d = dialogs.get(selectedId);
    el.typing.textContent = d && d.visitorTyping ? (d.summary.visitorName || VISITOR) + ' печатает…' : '';
  }


  /* ------------------------------------------- closing and classifying */

  let closing = null;   // {id, mode: 'close' | 'classify', sent}

  function openCloseModal(d, mode) {
    closing = { id: d.id, mode, sent: false };
    el.closeTitle.textContent = mode === 'close' ? 'Завершить диалог' : 'Классифицировать обращение';
    el.closeHint.textContent = mode === 'close'
      ? 'Укажите тип обращения (регламент, 4.3, п. 2).'
      : 'Посетитель завершил диалог сам. Укажите тип обращения.';
    el.closeSubmit.textContent = mode === 'close' ? 'Завершить' : 'Сохранить';
    el.closeForm.reset();
    el.closeError.textContent = '';
    [el.appealType, el.requestNumber, el.dueDate].forEach(f => f.removeAttribute('aria-invalid'));
    syncRequestFields();
    el.closeSubmit.disabled = false;
    showModal(el.closeModal);
    el.appealType.focus();
  }

  function showModal(m) {
    if (typeof m.showModal === 'function') { if (!m.open) m.showModal(); } else m.setAttribute('open', '');
  }
  function hideModal(m) {
    if (typeof m.close === 'function') { if (m.open) m.close(); } else m.removeAttribute('open');
  }

  function syncRequestFields() {
    const type = el.appealType.value;
    el.requestFields.hidden = !type || type === 'CONSULTATION';
  }
  el.appealType.addEventListener('change', syncRequestFields);
  el.closeCancel.addEventListener('click', () => { closing = null; hideModal(el.closeModal); });
  el.closeModal.addEventListener('close', () => { if (closing && !closing.sent) closing = null; });

  el.closeForm.addEventListener('submit', e => {
    e.preventDefault();
    if (!closing) return;
    const d = dialogs.get(closing.id);
    const type = el.appealType.value, number = el.requestNumber.value.trim(), due = el.dueDate.value;
    [el.appealType, el.requestNumber, el.dueDate].forEach(f => f.removeAttribute('aria-invalid'));
    let problem = null, field = null;
    if (!type) { problem = 'Выберите тип обращения.'; field = el.appealType; }
    else if (type !== 'CONSULTATION' && !number) {
      problem = 'Укажите номер заявки в «Едином окне»: для типа «' + APPEAL_LABEL[type] + '» он обязателен.';
      field = el.requestNumber;
    } else if (type !== 'CONSULTATION' && due && !/^\d{4}-\d{2}-\d{2}$/.test(due)) {
      problem = 'Срок — дата в формате ГГГГ-ММ-ДД.'; field = el.dueDate;
    } else if (!d) problem = 'Диалог больше не в списке.';
    else if (!ready) problem = 'Нет связи с сервером. Дождитесь переподключения и повторите.';
    if (problem) {
      el.closeError.textContent = problem;
      if (field) { field.setAttribute('aria-invalid', 'true'); field.focus(); }
      return;
    }
    const frame = { type: closing.mode, dialogId: d.id, appealType: type, ref: closing.mode + ':' + d.id };
    if (type !== 'CONSULTATION') {
      frame.requestNumber = number;
      if (due) frame.dueDate = due;
    }
    el.closeError.textContent = '';
    d.error = null;
    if (send(frame)) { closing.sent = true; el.closeSubmit.disabled = true; }
    else el.closeError.textContent = 'Нет связи с сервером. Повторите.';
  });

  function closeFailed(id, e) {
    const text = (closing && closing.mode === 'classify' ? 'Не удалось сохранить тип обращения: ' : 'Не удалось завершить диалог: ')
      + errorText(e);
    if (closing && closing.id === id) {
      closing.sent = false;
      el.closeSubmit.disabled = false;
      el.closeError.textContent = text;
      if (!el.closeModal.open) showModal(el.closeModal);
    } else {
      const d = dialogs.get(id);
      if (d) { d.error = text; renderConversation(); }
    }
  }

  /* ----------------------------------------------- dialog frames, alerts */

  function onDialogFrame(s) {
    const id = s.dialogId;
    const known = dialogs.get(id);
    const wasMine = known && known.summary.agentId === agentId && stateOf(known) !== 'CLOSED';
    const hadType = known ? known.summary.appealType : null;
    const nowMine = s.state === 'ASSIGNED' && s.agentId === agentId;
    if (offers.has(id) && (nowMine || s.state !== 'WAITING')) removeOffer(id);
    upsertDialog(s, true);
    const d = dialogs.get(id);
    if (s.state === 'CLOSED' && s.appealType && hadType !== s.appealType) {
      // A classification may make a task (and rewrites the transcript on the card): show both.
      if (s.appealType !== 'CONSULTATION') refreshTasksSoon();
      if (id === selectedId) setTimeout(() => { if (selectedId === id) loadCard(id, true); }, 1500);
    }
    if (closing && closing.id === id && s.state === 'CLOSED' && s.appealType) {
      closing = null;
      hideModal(el.closeModal);
      showNotice('Диалог завершён: ' + (APPEAL_LABEL[s.appealType] || s.appealType)
        + (s.requestNumber ? ', заявка № ' + s.requestNumber : '') + '.');
    }
    if (forwarding && forwarding.id === id && s.agentId !== agentId) {
      forwarding = null;
      hideModal(el.forwardModal);
      showNotice('Диалог передан' + (s.agentName ? ' оператору ' + s.agentName : ' на линию') + '.');
    }
    if (takingOver === id && nowMine) { takingOver = null; showNotice('Диалог теперь ваш.'); }
    if (nowMine && !wasMine && d) {
      alertAgent('Новый диалог', (s.visitorName || VISITOR) + ' · ' + siteLabel(s)
        + (s.forward && s.forward.note ? ' — ' + s.forward.note : ''));
    }
    if (!el.triagePanel.hidden) refreshTriageSoon();
  }

  function notificationsAllowed() {
    return 'Notification' in window && Notification.permission === 'granted';
  }

  let audio = null;
  function beep() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      const osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.4);
    } catch (e) { /* no sound available */ }
  }

  function alertAgent(title, body) {
    if (el.soundToggle.checked) beep();
    if (el.notifyToggle.checked && notificationsAllowed() && (document.hidden || !document.hasFocus())) {
      try {
        const n = new Notification(title, { body, tag: 'contact-gateway-' + title });
        n.onclick = () => { window.focus(); n.close(); };
      } catch (e) { /* notifications unavailable here */ }
    }
  }

  el.soundToggle.addEventListener('change', () => {
    save('localStorage', 'sound', el.soundToggle.checked);
    if (el.soundToggle.checked) beep();
  });
  el.notifyToggle.addEventListener('change', async () => {
    if (el.notifyToggle.checked && !notificationsAllowed()) {
      let permission = 'denied';
      try { permission = 'Notification' in window ? await Notification.requestPermission() : 'denied'; } catch (e) { /* old API */ }
      if (permission !== 'granted') {
        el.notifyToggle.checked = false;
        showNotice('Браузер не разрешил уведомления. Разрешите их в настройках сайта.');
      }
    }
    save('localStorage', 'notify', el.notifyToggle.checked);
  });

  /* ------------------------------------------------------------ offers */

  const offers = new Map();   // dialogId -> {dialog, expiresAt, timer, node}

  function onOffer(f) {
    const s = f.dialog;
    if (!s || !s.dialogId) return;
    const known = offers.get(s.dialogId);
    if (known) clearTimeout(known.timer);
    const expires = Date.parse(f.expiresAt) || 0;
    const offer = { dialog: s, expiresAt: expires, timer: 0 };
    if (expires) offer.timer = setTimeout(() => removeOffer(s.dialogId), Math.max(0, expires - Date.now()) + 1000);
    offers.set(s.dialogId, offer);
    renderOffers();
    if (!known) alertAgent('Новое предложение диалога', (s.visitorName || VISITOR) + ' · ' + siteLabel(s));
  }

  function removeOffer(id) {
    const o = offers.get(id);
    if (!o) return;
    clearTimeout(o.timer);
    offers.delete(id);
    renderOffers();
  }

  function renderOffers() {
    el.offers.textContent = '';
    el.offersPanel.hidden = offers.size === 0;
    offers.forEach((o, id) => {
      const li = document.createElement('li');
      li.className = 'offer';
      li.dataset.dialogId = id;
      div('who', li, o.dialog.visitorName || VISITOR);
      div('where', li, siteLabel(o.dialog) + (o.dialog.forward && o.dialog.forward.note ? ' — ' + o.dialog.forward.note : ''));
      const exp = div('expires', li);
      exp.dataset.expiresAt = String(o.expiresAt || '');
      const actions = div('actions', li);
      const accept = document.createElement('button');
      accept.type = 'button';
      accept.className = 'primary offer-accept';
      accept.textContent = 'Принять';
      accept.addEventListener('click', () => {
        if (send({ type: 'accept', dialogId: id, ref: 'accept:' + id })) accept.disabled = true;
        else showNotice('Нет связи с сервером.');
      });
      const decline = document.createElement('button');
      decline.type = 'button';
      decline.className = 'offer-decline';
      decline.textContent = 'Отклонить';
      decline.addEventListener('click', () => { send({ type: 'decline', dialogId: id }); removeOffer(id); });
      actions.append(accept, decline);
      el.offers.append(li);
    });
    tickOffers();
  }

  function tickOffers() {
    el.offers.querySelectorAll('.expires').forEach(node => {
      const at = +node.dataset.expiresAt;
      node.textContent = at ? 'осталось ' + Math.max(0, Math.ceil((at - Date.now()) / 1000)) + ' с' : '';
    });
  }
  setInterval(tickOffers, 1000);

  /* ----------------------------------------------------------- forward */

  let forwarding = null;      // {id, sent}
  let takingOver = null;      // dialogId
  let directory = null;

  async function loadDirectory() {
    const r = await fetch('/api/console/directory', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    return r.json();
  }

  function option(select, value, text) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    select.append(o);
  }

  function forwardKind() {
    const checked = el.forwardForm.querySelector('input[name=forward-kind]:checked');
    return checked ? checked.value : 'agent';
  }
  function syncForwardKind() {
    const toLine = forwardKind() === 'line';
    el.forwardAgent.hidden = el.forwardAgentLabel.hidden = toLine;
    el.forwardLine.hidden = el.forwardLineLabel.hidden = !toLine;
  }
  el.forwardForm.querySelectorAll('input[name=forward-kind]').forEach(r => r.addEventListener('change', syncForwardKind));

  el.forwardDialog.addEventListener('click', async () => {
    const d = dialogs.get(selectedId);
    if (!d) return;
    stopTyping();
    forwarding = { id: d.id, sent: false };
    el.forwardForm.reset();
    el.forwardError.textContent = '';
    el.forwardSubmit.disabled = true;
    el.forwardAgent.textContent = '';
    el.forwardLine.textContent = '';
    option(el.forwardAgent, '', 'Загрузка…');
    syncForwardKind();
    showModal(el.forwardModal);
    try {
      directory = await loadDirectory();
    } catch (err) {
      el.forwardError.textContent = 'Не удалось загрузить список коллег и линий: ' + err.message;
      return;
    }
    el.forwardAgent.textContent = '';
    option(el.forwardAgent, '', '— выберите коллегу —');
    const PRESENCE = { ONLINE: 'в сети', AWAY: 'отошёл', OFFLINE: 'не в сети' };
    (directory.agents || []).filter(a => a.id !== agentId).forEach(a => option(el.forwardAgent, String(a.id),
      a.displayName + ' (' + (PRESENCE[a.presence] || a.presence) + '; ' + (a.lines || []).join(', ') + ')'));
    option(el.forwardLine, '', '— выберите линию —');
    (directory.lines || []).forEach(l => option(el.forwardLine, l.id, l.name + ' (' + l.id + ')'));
    el.forwardSubmit.disabled = false;
  });

  el.forwardCancel.addEventListener('click', () => { forwarding = null; hideModal(el.forwardModal); });
  el.forwardModal.addEventListener('close', () => { if (forwarding && !forwarding.sent) forwarding = null; });

  el.forwardForm.addEventListener('submit', e => {
    e.preventDefault();
    if (!forwarding) return;
    const toLine = forwardKind() === 'line';
    const target = toLine ? el.forwardLine.value : el.forwardAgent.value;
    const note = el.forwardNote.value.trim();
    if (!target) { el.forwardError.textContent = toLine ? 'Выберите линию.' : 'Выберите коллегу.'; return; }
    if (note.length > 2000) { el.forwardError.textContent = 'Заметка длиннее 2000 символов.'; return; }
    const frame = { type: 'forward', dialogId: forwarding.id, ref: 'forward:' + forwarding.id };
    if (toLine) frame.toLine = target; else frame.toAgentId = Number(target);
    if (note) frame.note = note;
    el.forwardError.textContent = '';
    if (send(frame)) { forwarding.sent = true; el.forwardSubmit.disabled = true; }
    else el.forwardError.textContent = 'Нет связи с сервером. Повторите.';
  });

  function forwardFailed(kind, id, e) {
    if (kind === 'forward' && forwarding && forwarding.id === id) {
      forwarding.sent = false;
      el.forwardSubmit.disabled = false;
      el.forwardError.textContent = 'Не удалось передать диалог: ' + errorText(e);
      return;
    }
    if (kind === 'take_over') takingOver = null;
    showNotice((kind === 'take_over' ? 'Не удалось забрать диалог: ' : 'Не удалось передать диалог: ') + errorText(e));
  }

  function takeOver(id) {
    if (!isSupervisor()) return;
    takingOver = id;
    if (!send({ type: 'take_over', dialogId: id, ref: 'take_over:' + id })) showNotice('Нет связи с сервером.');
  }
  el.takeOver.addEventListener('click', () => { if (selectedId) takeOver(selectedId); });

  /* ------------------------------------------------------------ triage */

  let triageTimer = 0, triageSoon = 0, triageItems = [], triageLoadedAt = 0;
  const TRIAGE_SOON = 7 * 60;

  function setupTriage() {
    const may = hasRole('DISPATCHER') || isSupervisor();
    el.triagePanel.hidden = !may;
    clearInterval(triageTimer);
    if (!may) return;
    refreshTriage();
    triageTimer = setInterval(() => { if (Date.now() - triageLoadedAt > 15000) refreshTriage(); else renderTriage(); }, 5000);
  }

  function refreshTriageSoon() {
    clearTimeout(triageSoon);
    triageSoon = setTimeout(refreshTriage, 300);
  }

  async function refreshTriage() {
    try {
      const r = await fetch('/api/triage', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (r.status === 401 || r.status === 403) { el.triagePanel.hidden = true; clearInterval(triageTimer); return; }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      triageItems = await r.json();
      triageLoadedAt = Date.now();
      el.triageError.textContent = '';
    } catch (err) {
      el.triageError.textContent = 'Не удалось загрузить список для разбора: ' + err.message;
    }
    renderTriage();
  }

  function renderTriage() {
    el.triage.textContent = '';
    el.noTriage.hidden = triageItems.length > 0;
    const drift = (Date.now() - triageLoadedAt) / 1000;
    triageItems.forEach(t => {
      const waited = Math.max(0, (t.waitedSeconds || 0) + drift), limit = t.deadlineSeconds || 600;
      const li = document.createElement('li');
      li.className = 'triage-item';
      li.dataset.dialogId = t.dialogId;
      li.dataset.urgency = t.overdue || waited >= limit ? 'overdue' : waited >= Math.min(TRIAGE_SOON, limit * 0.7) ? 'soon' : 'ok';
      div('who', li, t.visitorName || VISITOR);
      div('where', li, [t.site, STATE_LABEL[t.state] || t.state, t.agentName].filter(Boolean).join(' · '));
      div('waited', li, Math.floor(waited / 60) + ' мин из ' + Math.round(limit / 60)
        + (li.dataset.urgency === 'overdue' ? ' — срок разбора истёк' : ''));
      const actions = div('actions', li);
      ['spam', 'partner', 'applicant', 'student'].forEach(outcome => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'triage-' + outcome;
        b.textContent = TRIAGE_LABEL[outcome];
        b.addEventListener('click', () => {
          if (outcome === 'spam' && !confirm('Отметить как спам и завершить диалог?')) return;
          if (send({ type: 'triage', dialogId: t.dialogId, outcome, ref: 'triage:' + t.dialogId })) {
            li.querySelectorAll('button').forEach(x => { x.disabled = true; });
            refreshTriageSoon();
          } else el.triageError.textContent = 'Нет связи с сервером.';
        });
        actions.append(b);
      });
      if (isSupervisor() && t.state !== 'CLOSED') {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'triage-take-over';
        b.textContent = 'Забрать себе';
        b.addEventListener('click', () => takeOver(t.dialogId));
        actions.append(b);
      }
      el.triage.append(li);
    });
  }

  function triageFailed(id, e) {
    el.triageError.textContent = 'Разбор не сохранён: ' + errorText(e);
    refreshTriage();
  }
  el.triageRefresh.addEventListener('click', refreshTriage);

  /* ------------------------------------------- supervisor overview */

  // Per line: who waits and how long, agents in the console and their load, overdue triage and tasks; refreshed
  // every 10 s for a SUPERVISOR (or ADMIN).
  let overviewTimer = 0, overviewData = null, overviewLoading = false;
  const PRESENCE_LABEL = { ONLINE: 'в сети', AWAY: 'отошёл', OFFLINE: 'не в сети' };

  function setupOverview() {
    const may = isSupervisor() || hasRole('ADMIN');
    el.overviewPanel.hidden = !may;
    clearInterval(overviewTimer);
    if (!may) return;
    el.overviewAll.checked = load('localStorage', 'overviewAll', false) === true;
    refreshOverview();
    overviewTimer = setInterval(refreshOverview, 10000);
  }

  async function refreshOverview() {
    if (!loggedIn || overviewLoading) return;
    overviewLoading = true;
    const r = await api('/api/supervisor/overview');
    overviewLoading = false;
    if (!loggedIn) return;
    if (r.status === 401 || r.status === 403) { el.overviewPanel.hidden = true; clearInterval(overviewTimer); return; }
    if (r.ok && r.body && Array.isArray(r.body.lines)) {
      overviewData = r.body;
      el.overviewError.textContent = '';
    } else {
      el.overviewError.textContent = 'Не удалось обновить обзор: ' + problemText(r);
    }
    renderOverview();
  }

  const minutes = s => Math.floor(s / 60) + ':' + pad(s % 60);

  function renderOverview() {
    if (!overviewData) return;
    el.overview.textContent = '';
    el.overviewAt.textContent = overviewData.at ? '(' + timeOf(overviewData.at) + ')' : '';
    const lines = overviewData.lines.filter(l => el.overviewAll.checked || l.waiting > 0 || (l.agents || []).length > 0
      || l.overdueTriage > 0 || l.overdueTasks > 0);
    el.overviewEmpty.hidden = lines.length > 0;
    lines.forEach(l => {
      const li = document.createElement('li');
      li.className = 'overview-line';
      li.dataset.line = l.line;
      // Visitors wait with nobody online to take them, or longer than 5 minutes.
      li.dataset.alert = String(l.waiting > 0 && (l.agentsOnline === 0 || l.longestWaitSeconds > 300));
      div('name', li, l.name + ' (' + l.line + ')');
      div('queue', li, l.waiting ? 'ждут: ' + l.waiting + ', дольше всех ' + minutes(l.longestWaitSeconds) : 'никто не ждёт');
      const agents = l.agents || [];
      div('agents', li, 'в сети: ' + l.agentsOnline + (agents.length ? ' — ' + agents.map(a => a.displayName + ' '
        + a.load + '/' + a.maxDialogs + (a.presence !== 'ONLINE' || !a.connected
          ? ' (' + (a.connected ? PRESENCE_LABEL[a.presence] || a.presence : 'нет связи') + ')' : '')).join(', ') : ''));
      div('late', li, [l.overdueTriage ? 'просрочен разбор: ' + l.overdueTriage : '',
        l.overdueTasks ? 'просрочено задач: ' + l.overdueTasks : ''].filter(Boolean).join(', '));
      el.overview.append(li);
    });
    const o = overviewData.outbox || {};
    el.overviewOutbox.textContent = 'Не доставлено из очереди отправки: ' + (o.undelivered || 0)
      + (o.failed ? ', из них с ошибкой: ' + o.failed : '');
  }

  el.overviewRefresh.addEventListener('click', refreshOverview);
  el.overviewAll.addEventListener('change', () => { save('localStorage', 'overviewAll', el.overviewAll.checked); renderOverview(); });

  /* ------------------------------------------------------ REST helpers */

  // fetch with the session cookie; resolves to {ok, status, body} (body: parsed JSON or null), never rejects.
  async function api(path, options) {
    const init = Object.assign({ credentials: 'same-origin' }, options || {});
    init.headers = Object.assign({ Accept: 'application/json, application/problem+json' }, init.headers || {});
    try {
      const r = await fetch(path, init);
      let body = null;
      try { body = await r.json(); } catch (e) { /* no JSON body */ }
      return { ok: r.ok, status: r.status, body };
    } catch (e) {
      return { ok: false, status: 0, body: null };
    }
  }
  // The problem+json detail of a failed call, or a fallback naming the status.
  function problemText(r) {
    if (r.status === 0) return 'сервер недоступен';
    const b = r.body;
    return (b && (b.detail || b.title)) || 'ошибка ' + r.status;
  }
  const pad = n => String(n).padStart(2, '0');
  function todayIso() {
    const t = new Date();
    return t.getFullYear() + '-' + pad(t.getMonth() + 1) + '-' + pad(t.getDate());
  }
  const dayLabel = iso => (/^\d{4}-\d{2}-\d{2}$/.test(iso || '') ? iso.split('-').reverse().join('.') : iso || '');
  function dateTime(at) {
    const t = new Date(at);
    return at && !isNaN(t) ? t.toLocaleString('ru', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';
  }
  function button(cls, text, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = cls;
    b.textContent = text;
    if (onClick) b.addEventListener('click', onClick);
    return b;
  }


  /* ---------------------------------------------------- canned answers */

  // Agents insert a line's ready answer by typing "/" and its shortcut in the reply box (Enter or Tab takes the
  // highlighted one, the arrows move, Escape closes) or from the "Шаблоны" picker. Supervisors keep them.
  let cannedItems = [], cannedMatches = [], cannedActive = 0, cannedToken = null, cannedShownFor = null;
  let cannedEditing = null;   // the answer being edited, or {} for a new one; null while the form is closed

  function setupCanned() {
    loadCanned();
    el.cannedPanel.hidden = !(hasRole('SUPERVISOR') || hasRole('ADMIN'));
  }

  async function loadCanned() {
    const r = await api('/api/canned');
    if (!loggedIn) return;
    if (r.ok && Array.isArray(r.body)) {
      cannedItems = r.body;
      el.cannedError.textContent = '';
    } else if (r.status !== 401) {
      el.cannedError.textContent = 'Не удалось загрузить шаблоны: ' + problemText(r);
    }
    renderCannedAdmin();
  }

  // The answers of the selected dialog's line.
  function cannedForSelected() {
    const d = dialogs.get(selectedId), line = d && d.summary.line;
    return cannedItems.filter(a => !line || a.line === line);
  }

  function hideCanned() {
    el.cannedSuggestions.hidden = true;
    el.cannedSuggestions.textContent = '';
    el.cannedButton.setAttribute('aria-expanded', 'false');
    el.reply.removeAttribute('aria-activedescendant');
    cannedMatches = [];
    cannedToken = null;
    cannedShownFor = null;
  }

  function showCanned(matches, token) {
    cannedMatches = matches;
    cannedToken = token;
    cannedActive = 0;
    cannedShownFor = selectedId;
    el.cannedSuggestions.textContent = '';
    if (!matches.length) {
      const li = document.createElement('li');
      li.className = 'muted empty-item';
      li.textContent = 'Для этой линии шаблонов нет.';
      el.cannedSuggestions.append(li);
    }
    matches.forEach((a, i) => {
      const li = document.createElement('li');
      li.id = 'canned-option-' + i;
      li.setAttribute('role', 'option');
      li.dataset.shortcut = a.shortcut;
      const shortcut = document.createElement('span');
      shortcut.className = 'shortcut';
      shortcut.textContent = a.shortcut;
      const title = document.createElement('span');
      title.className = 'title';
      title.textContent = a.title;
      const preview = document.createElement('span');
      preview.className = 'preview';
      preview.textContent = a.text;
      li.append(shortcut, title, preview);
      // mousedown keeps the focus in the reply box
      li.addEventListener('mousedown', e => { e.preventDefault(); insertCanned(a); });
      el.cannedSuggestions.append(li);
    });
    el.cannedSuggestions.hidden = false;
    el.cannedButton.setAttribute('aria-expanded', 'true');
    markCannedActive();
  }

  function markCannedActive() {
    [...el.cannedSuggestions.querySelectorAll('[role=option]')].forEach((li, i) => {
      li.setAttribute('aria-selected', i === cannedActive ? 'true' : 'false');
      if (i === cannedActive) li.scrollIntoView({ block: 'nearest' });
    });
    if (cannedMatches.length) el.reply.setAttribute('aria-activedescendant', 'canned-option-' + cannedActive);
    else el.reply.removeAttribute('aria-activedescendant');
  }

  // After each keystroke: a "/word" just before the cursor lists the answers whose shortcut starts with it.
  function suggestCanned() {
    const d = dialogs.get(selectedId);
    if (!canWrite(d)) return hideCanned();
    const at = el.reply.selectionStart, before = el.reply.value.slice(0, at);
    const m = /(^|\s)(\/[^\s/]*)$/.exec(before);
    if (!m) { if (cannedToken) hideCanned(); return; }
    const typed = m[2].toLowerCase();
    const matches = cannedForSelected().filter(a => a.shortcut.startsWith(typed));
    if (!matches.length) return hideCanned();
    showCanned(matches, { start: at - m[2].length, end: at });
  }

  function insertCanned(a) {
    const value = el.reply.value;
    let start = el.reply.selectionStart, end = el.reply.selectionEnd;
    if (cannedToken) { start = cannedToken.start; end = cannedToken.end; }
    const text = (value.slice(0, start) + a.text + value.slice(end)).slice(0, MAX_TEXT);
    el.reply.value = text;
    const caret = Math.min(text.length, start + a.text.length);
    hideCanned();
    el.reply.focus();
    el.reply.setSelectionRange(caret, caret);
  }

  // Keys in the reply box while the list is open; true when the key was the list's.
  function cannedKey(e) {
    if (el.cannedSuggestions.hidden || e.isComposing) return false;
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); hideCanned(); return true; }
    if (!cannedMatches.length) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = cannedMatches.length;
      cannedActive = (cannedActive + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      markCannedActive();
      return true;
    }
    if ((e.key === 'Enter' && !e.shiftKey) || (e.key === 'Tab' && !e.shiftKey)) {
      e.preventDefault();
      insertCanned(cannedMatches[cannedActive]);
      return true;
    }
    return false;
  }

  el.reply.addEventListener('input', suggestCanned);
  el.reply.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== el.reply && document.activeElement !== el.cannedButton) hideCanned();
  }, 150));
  el.cannedButton.addEventListener('click', () => {
    if (!el.cannedSuggestions.hidden) { hideCanned(); return; }
    if (!canWrite(dialogs.get(selectedId))) return;
    showCanned(cannedForSelected(), null);
    el.reply.focus();
  });

  // --- keeping them (SUPERVISOR, ADMIN)

  function renderCannedAdmin() {
    if (el.cannedPanel.hidden) return;
    el.cannedList.textContent = '';
    el.noCanned.hidden = cannedItems.length > 0;
    el.cannedCount.textContent = cannedItems.length ? '(' + cannedItems.length + ')' : '';
    cannedItems.forEach(a => {
      const li = document.createElement('li');
      li.className = 'canned-item';
      li.dataset.cannedId = String(a.id);
      div('title', li, a.shortcut + ' · ' + a.title);
      div('where', li, 'линия ' + a.line);
      const actions = div('actions', li);
      actions.append(button('canned-edit', 'Изменить', () => openCannedForm(a)),
        button('canned-delete', 'Удалить', () => deleteCanned(a)));
      el.cannedList.append(li);
    });
  }

  async function openCannedForm(a) {
    cannedEditing = a || {};
    el.cannedForm.hidden = false;
    el.cannedFormError.textContent = '';
    [el.cannedLine, el.cannedShortcut, el.cannedName, el.cannedText].forEach(f => f.removeAttribute('aria-invalid'));
    el.cannedShortcut.value = cannedEditing.shortcut || '';
    el.cannedName.value = cannedEditing.title || '';
    el.cannedText.value = cannedEditing.text || '';
    el.cannedLine.textContent = '';
    let lines = [];
    try { lines = (await loadDirectory()).lines || []; } catch (err) {
      el.cannedFormError.textContent = 'Не удалось загрузить список линий: ' + err.message;
    }
    el.cannedLine.textContent = '';
    option(el.cannedLine, '', '— выберите линию —');
    lines.forEach(l => option(el.cannedLine, l.id, l.name + ' (' + l.id + ')'));
    const d = dialogs.get(selectedId);
    el.cannedLine.value = cannedEditing.line || (d && d.summary.line) || '';
    (cannedEditing.id ? el.cannedText : el.cannedShortcut).focus();
  }

  function closeCannedForm() {
    cannedEditing = null;
    el.cannedForm.hidden = true;
  }

  const CANNED_FIELD = { line: 'cannedLine', shortcut: 'cannedShortcut', title: 'cannedName', text: 'cannedText' };

  el.cannedForm.addEventListener('submit', async e => {
    e.preventDefault();
    if (!cannedEditing) return;
    const body = {
      line: el.cannedLine.value, shortcut: el.cannedShortcut.value.trim(), title: el.cannedName.value.trim(),
      text: el.cannedText.value.trim()
    };
    if (body.shortcut && body.shortcut[0] !== '/') body.shortcut = '/' + body.shortcut;
    Object.values(CANNED_FIELD).forEach(k => el[k].removeAttribute('aria-invalid'));
    const missing = ['line', 'shortcut', 'title', 'text'].find(k => !body[k]);
    if (missing) {
      el.cannedFormError.textContent = 'Заполните все поля.';
      el[CANNED_FIELD[missing]].setAttribute('aria-invalid', 'true');
      el[CANNED_FIELD[missing]].focus();
      return;
    }
    el.cannedSave.disabled = true;
    const editing = cannedEditing;
    const r = await api(editing.id ? '/api/supervisor/canned/' + editing.id : '/api/supervisor/canned', {
      method: editing.id ? 'PUT' : 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    });
    el.cannedSave.disabled = false;
    if (r.ok) {
      closeCannedForm();
      showNotice('Шаблон ' + body.shortcut + ' сохранён.');
      loadCanned();
      return;
    }
    el.cannedFormError.textContent = 'Шаблон не сохранён: ' + problemText(r);
    // The server names the field first ("shortcut: …").
    const field = CANNED_FIELD[((r.body && r.body.detail) || '').split(':')[0]];
    if (field) { el[field].setAttribute('aria-invalid', 'true'); el[field].focus(); }
  });

  async function deleteCanned(a) {
    if (!confirm('Удалить шаблон ' + a.shortcut + '?')) return;
    const r = await api('/api/supervisor/canned/' + a.id, { method: 'DELETE' });
    if (r.ok || r.status === 404) { el.cannedError.textContent = ''; loadCanned(); }
    else el.cannedError.textContent = 'Шаблон не удалён: ' + problemText(r);
  }

  el.cannedNew.addEventListener('click', () => openCannedForm(null));
  el.cannedCancel.addEventListener('click', closeCannedForm);

  /* ------------------------------------------------------------- tasks */

  let tasksTimer = 0, tasksSoon = 0, taskItems = [], tasksLoading = false;
  const TASK_STATE = { OPEN: 'открыта', DONE: 'выполнена', CANCELLED: 'отменена' };

  function setupTasks() {
    clearInterval(tasksTimer);
    refreshTasks();
    tasksTimer = setInterval(refreshTasks, 60000);
  }

  // A classification makes its task a moment later: look twice.
  function refreshTasksSoon() {
    clearTimeout(tasksSoon);
    tasksSoon = setTimeout(() => { refreshTasks(); tasksSoon = setTimeout(refreshTasks, 2500); }, 700);
  }

  async function refreshTasks() {
    if (!loggedIn || tasksLoading) return;
    tasksLoading = true;
    const r = await api('/api/tasks');
    tasksLoading = false;
    if (!loggedIn) return;
    if (r.ok && Array.isArray(r.body)) {
      taskItems = r.body;
      el.tasksError.textContent = '';
    } else if (r.status !== 401) {
      el.tasksError.textContent = 'Не удалось загрузить задачи: ' + problemText(r);
    }
    renderTasks();
  }

  function renderTasks() {
    const today = todayIso();
    el.noTasks.hidden = taskItems.length > 0;
    const overdue = taskItems.filter(t => t.due && t.due < today).length;
    el.tasksCount.textContent = taskItems.length ? '(' + taskItems.length + (overdue ? ', просрочено: ' + overdue : '') + ')' : '';
    const existing = new Map([...el.tasks.children].map(li => [li.dataset.taskId, li]));
    taskItems.forEach((t, index) => {
      let li = existing.get(t.id);
      existing.delete(t.id);
      if (!li) li = buildTask(t);
      const late = !!t.due && t.due < today;
      li.dataset.overdue = late ? 'true' : 'false';
      li.querySelector('.title').textContent = t.title || t.kind;
      li.querySelector('.due').textContent = (t.due ? 'срок ' + dayLabel(t.due) : 'без срока')
        + (late ? ' — просрочена' : '') + (t.escalations ? ' · эскалаций: ' + t.escalations : '');
      if (el.tasks.children[index] !== li) el.tasks.insertBefore(li, el.tasks.children[index] || null);
    });
    // A task with its completion form open stays until it is sent or cancelled.
    existing.forEach(li => { if (!li.querySelector('form')) li.remove(); });
  }

  function buildTask(t) {
    const li = document.createElement('li');
    li.className = 'task';
    li.dataset.taskId = t.id;
    div('title', li);
    div('due', li);
    const actions = div('actions', li);
    const done = button('task-complete', 'Выполнить', () => openCompletion(li, t, done));
    actions.append(done);
    div('form-error task-error', li).setAttribute('role', 'alert');
    return li;
  }

  function openCompletion(li, t, done) {
    if (li.querySelector('form')) return;
    done.hidden = true;
    const form = document.createElement('form');
    form.className = 'task-form';
    const fieldId = 'task-result-' + t.id;
    const label = document.createElement('label');
    label.htmlFor = fieldId;
    label.textContent = 'Результат (что сообщили посетителю)';
    const text = document.createElement('textarea');
    text.id = fieldId;
    text.className = 'task-result';
    text.rows = 3;
    text.maxLength = 4000;
    const row = div('actions', null);
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.className = 'primary task-submit';
    submit.textContent = 'Сохранить';
    const cancel = button('task-cancel', 'Отмена', () => {
      form.remove();
      done.hidden = false;
      li.querySelector('.task-error').textContent = '';
      renderTasks();
    });
    row.append(submit, cancel);
    form.append(label, text, row);
    li.insertBefore(form, li.querySelector('.task-error'));
    text.focus();
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const error = li.querySelector('.task-error');
      const result = text.value.trim();
      if (!result) { error.textContent = 'Опишите результат.'; text.focus(); return; }
      error.textContent = '';
      submit.disabled = true;
      const r = await api('/api/tasks/' + encodeURIComponent(t.id) + '/complete', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ result })
      });
      submit.disabled = false;
      if (r.ok) {
        taskItems = taskItems.filter(x => x.id !== t.id);
        li.remove();
        renderTasks();
        showNotice('Задача выполнена: ' + (t.title || ''));
        refreshTasks();
        if (selectedId && cardShown && cardShown.cardTaskIds.has(t.id)) loadCard(selectedId, true);
      } else {
        error.textContent = 'Не удалось завершить задачу: ' + problemText(r);
      }
    });
  }
  el.tasksRefresh.addEventListener('click', refreshTasks);

  /* -------------------------------------------------------- card panel */

  const KIND_LABEL = { LEAD: 'Лид', CONTACT: 'Контакт' };
  const CONTACT_LABEL = { APPLICANT: 'абитуриент', STUDENT: 'студент', PARTNER: 'партнёр' };
  const CHANNEL_LABEL = { WIDGET: 'Чат на сайте', TELEGRAM: 'Telegram', VIBER: 'Viber', WHATSAPP: 'WhatsApp', VK: 'ВКонтакте', MAX: 'MAX' };
  const FORM_STATE = { NEW: 'новая', ANSWERED: 'отвечена', CLOSED: 'закрыта' };
  let cardSeq = 0, cardRetry = 0, cardShown = null, siteNames = null;
  const openTranscripts = new Set();

  function setCardCollapsed(collapsed) {
    el.cardPanel.dataset.collapsed = collapsed ? 'true' : 'false';
    el.cardToggle.setAttribute('aria-expanded', collapsed ? 'false' : 'true');
    el.cardToggle.textContent = collapsed ? '⟨' : '⟩';
    el.cardToggle.title = collapsed ? 'Развернуть карточку' : 'Свернуть карточку';
    el.cardToggle.setAttribute('aria-label', el.cardToggle.title);
  }
  const cardCollapsed = () => el.cardPanel.dataset.collapsed === 'true';

  el.cardToggle.addEventListener('click', () => {
    const collapse = !cardCollapsed();
    setCardCollapsed(collapse);
    save('localStorage', 'cardCollapsed', collapse);
    // Reading a card is audited: a collapsed panel reads nothing, and reads the card when it is opened.
    if (!collapse && selectedId && (!cardShown || cardShown.dialogId !== selectedId)) loadCard(selectedId);
  });
  el.cardRefresh.addEventListener('click', () => { if (selectedId) loadCard(selectedId); });

  function showCard(status) {
    clearTimeout(cardRetry);
    cardSeq++;
    cardShown = null;
    el.cardStatus.textContent = status || 'Выберите диалог';
    el.cardContent.hidden = true;
  }

  async function loadSiteNames() {
    if (siteNames) return;
    const r = await api('/api/sites');
    siteNames = {};
    if (r.ok && Array.isArray(r.body)) r.body.forEach(site => { siteNames[site.id] = site.name; });
  }

  // Loads the card of a dialog into the side panel. 404 means the dialog has no card yet (it is made just
  // after the dialog opens): asked again once after 2 s. quiet keeps what is shown until the answer comes.
  function loadCard(id, quiet) {
    if (!id) return showCard(null);
    if (cardCollapsed()) { showCard('Карточка свёрнута.'); return; }
    clearTimeout(cardRetry);
    const seq = ++cardSeq;
    if (!quiet || !cardShown || cardShown.dialogId !== id) {
      cardShown = null;
      el.cardContent.hidden = true;
      el.cardStatus.textContent = 'Загрузка карточки…';
    }
    fetchCard(id, seq, false);
  }

  async function fetchCard(id, seq, retried) {
    const [r] = await Promise.all([api('/api/dialogs/' + encodeURIComponent(id) + '/card'), loadSiteNames()]);
    if (seq !== cardSeq || !loggedIn) return;
    if (r.ok && r.body && r.body.card) return renderCard(r.body, id);
    if (r.status === 404 && !retried) {
      cardRetry = setTimeout(() => { if (seq === cardSeq) fetchCard(id, seq, true); }, 2000);
      return;
    }
    cardShown = null;
    el.cardContent.hidden = true;
    el.cardStatus.textContent = r.status === 404 ? 'Для этого диалога карточка ещё не создана.'
      : 'Не удалось загрузить карточку: ' + problemText(r);
  }

  function field(dl, name, value) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value == null || value === '' ? '—' : String(value);
    dl.append(dt, dd);
    return dd;
  }
  const listOf = v => (Array.isArray(v) ? v.filter(Boolean).join(', ') : '');
  const siteName = id => (siteNames && siteNames[id]) || id || '';

  function renderCard(view, dialogId) {
    const card = view.card;
    cardShown = { dialogId, cardId: card.id, cardTaskIds: new Set((view.tasks || []).map(t => t.taskId)) };
    el.cardStatus.textContent = '';
    el.cardContent.hidden = false;
    el.cardContent.dataset.cardId = card.id;

    const dl = el.cardFields;
    dl.textContent = '';
    field(dl, 'Имя', card.name).className = 'card-name';
    field(dl, 'Вид', [KIND_LABEL[card.kind] || card.kind, CONTACT_LABEL[card.contactType] || card.contactType]
      .filter(Boolean).join(', ')).className = 'card-kind';
    field(dl, 'E-mail', listOf(card.emails)).className = 'card-emails';
    field(dl, 'Телефоны', listOf(card.phones)).className = 'card-phones';
    field(dl, 'Мессенджеры', listOf(card.handles)).className = 'card-handles';
    field(dl, 'Статус', card.status).className = 'card-state';

    // Earlier dialogs of this person, newest first, without the one on screen.
    const earlier = (view.dialogs || []).filter(d => d.dialogId !== dialogId)
      .sort((a, b) => (Date.parse(b.openedAt) || 0) - (Date.parse(a.openedAt) || 0));
    el.cardHistory.textContent = '';
    el.cardHistoryCount.textContent = earlier.length ? '(' + earlier.length + ')' : '';
    if (!earlier.length) emptyItem(el.cardHistory, 'Других обращений нет.');
    earlier.forEach(d => {
      const li = document.createElement('li');
      li.className = 'card-item card-dialog';
      li.dataset.dialogId = d.dialogId;
      div('line1', li, [dateTime(d.openedAt), CHANNEL_LABEL[d.channel] || d.channel].filter(Boolean).join(' · '));
      div('line2', li, [siteName(d.site), d.agentName].filter(Boolean).join(' · '));
      div('line2 appeal', li, d.appealType ? (APPEAL_LABEL[d.appealType] || d.appealType)
        + (d.requestNumber ? ' № ' + d.requestNumber : '') : (STATE_LABEL[d.state] || d.state || '') + (d.state === 'CLOSED' ? ', тип не указан' : ''));
      if (d.rating) {
        // The visitor's rating (1–5) and comment, as text.
        const rating = div('line2 rating', li);
        const stars = document.createElement('span');
        stars.className = 'stars';
        stars.setAttribute('aria-hidden', 'true');
        stars.textContent = '★'.repeat(d.rating) + '☆'.repeat(Math.max(0, 5 - d.rating));
        rating.append('Оценка: ', stars, ' ' + d.rating + ' из 5' + (d.ratingComment ? ' — «' + d.ratingComment + '»' : ''));
      }
      const pre = document.createElement('pre');
      pre.className = 'transcript';
      pre.id = 'transcript-' + d.dialogId;
      // The transcript is shown as text, never as HTML.
      pre.textContent = d.transcript || 'Стенограммы пока нет (диалог не завершён).';
      pre.hidden = !openTranscripts.has(d.dialogId);
      const toggle = button('transcript-toggle', 'Стенограмма', () => {
        pre.hidden = !pre.hidden;
        toggle.setAttribute('aria-expanded', String(!pre.hidden));
        if (pre.hidden) openTranscripts.delete(d.dialogId); else openTranscripts.add(d.dialogId);
      });
      toggle.setAttribute('aria-controls', pre.id);
      toggle.setAttribute('aria-expanded', String(!pre.hidden));
      li.append(toggle, pre);
      el.cardHistory.append(li);
    });

    const forms = view.offlineForms || [];
    el.cardForms.textContent = '';
    el.cardFormsCount.textContent = forms.length ? '(' + forms.length + ')' : '';
    if (!forms.length) emptyItem(el.cardForms, 'Офлайн-форм нет.');
    forms.forEach(f => {
      const li = document.createElement('li');
      li.className = 'card-item card-form';
      div('line1', li, [dateTime(f.createdAt), siteName(f.site)].filter(Boolean).join(' · '));
      div('line2', li, [f.name, f.email, f.phone, FORM_STATE[f.state] || f.state].filter(Boolean).join(' · '));
      div('question', li, f.question || '');
      el.cardForms.append(li);
    });

    const tasks = view.tasks || [];
    const today = todayIso();
    el.cardTasks.textContent = '';
    el.cardTasksCount.textContent = tasks.length ? '(' + tasks.length + ')' : '';
    if (!tasks.length) emptyItem(el.cardTasks, 'Задач нет.');
    tasks.forEach(t => {
      const li = document.createElement('li');
      li.className = 'card-item card-task';
      li.dataset.taskId = t.taskId;
      const late = t.state === 'OPEN' && t.due && t.due < today;
      div('line1', li, t.title || t.kind);
      div('line2', li, [TASK_STATE[t.state] || t.state, t.due && 'срок ' + dayLabel(t.due) + (late ? ' — просрочена' : '')]
        .filter(Boolean).join(' · '));
      if (t.result) div('question', li, 'Результат: ' + t.result);
      el.cardTasks.append(li);
    });
  }

  function emptyItem(list, text) {
    const li = document.createElement('li');
    li.className = 'muted empty-item';
    li.textContent = text;
    list.append(li);
  }

  /* ---------------------------------------------------- administration */

  // An ADMIN keeps the agents (create, change roles, lines and capacity, disable) and sees the configured lines
  // with who serves them; everything goes through /api/admin.
  const ROLE_NAMES = { AGENT: 'оператор', DISPATCHER: 'диспетчер', SUPERVISOR: 'руководитель', ADMIN: 'администратор' };
  let adminAgents = [], adminLineList = [], adminEditing = null;

  async function openAdmin() {
    showModal(el.adminModal);
    closeAdminForm();
    await loadAdmin();
    el.adminNew.focus();
  }

  async function loadAdmin() {
    const [agentsR, linesR] = await Promise.all([api('/api/admin/agents'), api('/api/admin/lines')]);
    if (!agentsR.ok || !linesR.ok) {
      el.adminError.textContent = 'Не удалось загрузить: ' + problemText(agentsR.ok ? linesR : agentsR);
      return;
    }
    el.adminError.textContent = '';
    adminAgents = agentsR.body || [];
    adminLineList = linesR.body || [];
    renderAdmin();
  }

  function cell(tr, text) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
    return td;
  }

  function renderAdmin() {
    el.adminAgents.textContent = '';
    adminAgents.slice().sort((a, b) => a.login.localeCompare(b.login)).forEach(a => {
      const tr = document.createElement('tr');
      tr.dataset.agentId = String(a.id);
      tr.dataset.login = a.login;
      tr.dataset.enabled = String(a.enabled);
      cell(tr, a.login);
      cell(tr, a.displayName);
      cell(tr, (a.roles || []).map(r => ROLE_NAMES[r] || r).join(', '));
      cell(tr, (a.lines || []).join(', ') || '—');
      cell(tr, String(a.maxDialogs));
      cell(tr, a.enabled ? 'включена' : 'отключена');
      const edit = button('admin-edit small', 'Изменить', () => openAdminForm(a));
      edit.setAttribute('aria-label', 'Изменить ' + a.login);
      cell(tr, '').append(edit);
      el.adminAgents.append(tr);
    });
    el.adminLinesTable.textContent = '';
    adminLineList.forEach(l => {
      const tr = document.createElement('tr');
      tr.dataset.line = l.id;
      cell(tr, l.name + ' (' + l.id + ')');
      cell(tr, (l.sites || []).map(site => site.name + ' — ' + site.host + ', ' + site.mailbox).join('; ') || '—');
      cell(tr, (l.agents || []).map(a => a.displayName + (a.enabled ? '' : ' (отключена)')).join(', ') || 'никто');
      el.adminLinesTable.append(tr);
    });
  }

  function openAdminForm(a) {
    adminEditing = a || {};
    const isNew = !adminEditing.id;
    el.adminForm.hidden = false;
    el.adminFormTitle.textContent = isNew ? 'Новый агент' : 'Агент ' + adminEditing.login;
    el.adminFormError.textContent = '';
    el.adminLogin.value = adminEditing.login || '';
    el.adminLogin.disabled = !isNew;
    el.adminDisplay.value = adminEditing.displayName || '';
    el.adminPassword.value = '';
    el.adminPassword.placeholder = isNew ? '' : 'не менять';
    el.adminMax.value = String(adminEditing.maxDialogs || 5);
    el.adminEnabled.checked = isNew || adminEditing.enabled;
    const roles = adminEditing.roles || ['AGENT'];
    el.adminRoles.querySelectorAll('input').forEach(i => { i.checked = roles.includes(i.value); });
    el.adminLines.querySelectorAll('label').forEach(n => n.remove());
    adminLineList.forEach(l => {
      const label = document.createElement('label');
      label.className = 'inline';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'admin-line';
      box.value = l.id;
      box.checked = (adminEditing.lines || []).includes(l.id);
      label.append(box, ' ' + l.name + ' (' + l.id + ')');
      el.adminLines.append(label);
    });
    [el.adminLogin, el.adminDisplay, el.adminPassword, el.adminMax].forEach(f => f.removeAttribute('aria-invalid'));
    (isNew ? el.adminLogin : el.adminDisplay).focus();
  }

  function closeAdminForm() {
    adminEditing = null;
    el.adminForm.hidden = true;
  }

  function adminInvalid(field, text) {
    el.adminFormError.textContent = text;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }

  el.adminForm.addEventListener('submit', async e => {
    e.preventDefault();
    if (!adminEditing) return;
    const editing = adminEditing, isNew = !editing.id;
    [el.adminLogin, el.adminDisplay, el.adminPassword, el.adminMax].forEach(f => f.removeAttribute('aria-invalid'));
    const checked = box => [...box.querySelectorAll('input:checked')].map(i => i.value);
    const body = {
      displayName: el.adminDisplay.value.trim(), roles: checked(el.adminRoles), lines: checked(el.adminLines),
      maxDialogs: +el.adminMax.value, enabled: el.adminEnabled.checked
    };
    const password = el.adminPassword.value;
    if (isNew) body.login = el.adminLogin.value.trim();
    if (password) body.password = password;
    if (isNew && !/^[a-z0-9._-]{2,64}$/.test(body.login)) return adminInvalid(el.adminLogin, 'Логин: 2–64 строчные латинские буквы, цифры, . _ -');
    if (!body.displayName) return adminInvalid(el.adminDisplay, 'Укажите имя.');
    if ((isNew || password) && password.length < 8) return adminInvalid(el.adminPassword, 'Пароль не короче 8 символов.');
    if (!(body.maxDialogs >= 1 && body.maxDialogs <= 100)) return adminInvalid(el.adminMax, 'От 1 до 100 диалогов.');
    if (!body.roles.length) {
      el.adminFormError.textContent = 'Выберите хотя бы одну роль.';
      el.adminRoles.querySelector('input').focus();
      return;
    }
    el.adminSave.disabled = true;
    const r = await api(isNew ? '/api/admin/agents' : '/api/admin/agents/' + editing.id, {
      method: isNew ? 'POST' : 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    });
    el.adminSave.disabled = false;
    if (!r.ok) {
      el.adminFormError.textContent = 'Не сохранено: ' + (r.status === 409 && isNew ? 'такой логин уже есть' : problemText(r));
      return;
    }
    closeAdminForm();
    showNotice('Агент ' + (body.login || editing.login) + ' сохранён.');
    await loadAdmin();
    el.adminNew.focus();
  });

  el.adminOpen.addEventListener('click', openAdmin);
  el.adminClose.addEventListener('click', () => hideModal(el.adminModal));
  el.adminNew.addEventListener('click', () => openAdminForm(null));
  el.adminCancel.addEventListener('click', () => { closeAdminForm(); el.adminNew.focus(); });

  window.addEventListener('online', () => { if (loggedIn && !ws) connect(); });

  boot();
})();
