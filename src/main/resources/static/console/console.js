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
    TEXT_TOO_LONG: 'слишком длинное сообщение'
  };
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
    closeDialog: $('close-dialog'), removeDialog: $('remove-dialog')
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
    showView('main');
    setConnection('connecting');
    renderDialogList();
    renderConversation();
    connect();
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
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    clearTimeout(welcomeTimer);
    const sock = ws;
    ws = null; ready = false; everReady = false; attempt = 0;
    if (sock) sock.close(1000);
    dialogs.clear();
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
    sock.onclose = () => lost(sock);
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
    const delay = Math.min(10000, 500 * Math.pow(2, attempt++)) * (0.75 + Math.random() * 0.5);
    reconnectTimer = setTimeout(connect, Math.min(10000, Math.max(500, delay)));
  }

  function setConnection(state) {
    el.connection.dataset.state = state;
    el.connection.textContent = CONN_LABEL[state];
  }

  function handle(f) {
    switch (f.type) {
      case 'welcome': onWelcome(f); break;
      case 'presence': if (f.status) el.presence.value = f.status; break;
      case 'dialog': if (f.dialog) upsertDialog(f.dialog, true); break;
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
    }
    if (chosenPresence && chosenPresence !== f.presence) send({ type: 'presence', status: chosenPresence });
    el.presence.value = chosenPresence || f.presence || 'OFFLINE';
    (f.dialogs || []).forEach(s => upsertDialog(s, false));
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
    if (ref.startsWith('close:')) {
      const d = dialogs.get(ref.slice(6));
      if (d) { d.error = 'Не удалось завершить диалог: ' + (ERROR_TEXT[e.code] || e.message); renderConversation(); }
    }
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
    li.querySelector('.state').textContent = STATE_LABEL[state] || state;
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
    selectedId = id;
    const d = dialogs.get(id);
    if (d) markRead(d);
    renderDialogList();
    renderConversation();
    if (d && canWrite(d)) el.reply.focus();
  }

  function removeDialog(id) {
    const d = dialogs.get(id);
    if (!d || stateOf(d) !== 'CLOSED') return;
    dialogs.delete(id);
    delete readMarks[id];
    saveReadMarks();
    if (selectedId === id) selectedId = dialogs.size ? dialogs.keys().next().value : null;
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
      el.convMeta.textContent = [STATE_LABEL[stateOf(d)] || stateOf(d), opened && 'открыт ' + opened,
        s.agentId != null && agentId != null && s.agentId !== agentId ? 'назначен другому оператору' : '', d.error]
        .filter(Boolean).join(' · ');
    }
    const writable = canWrite(d);
    el.reply.disabled = !writable;
    el.send.disabled = !writable;
    el.reply.placeholder = !d ? 'Выберите диалог' : writable
      ? 'Ответ посетителю… (Enter — отправить, Shift+Enter — новая строка)'
      : stateOf(d) === 'CLOSED' ? 'Диалог завершён' : 'Писать можно только в своих диалогах';
    el.closeDialog.disabled = !writable;
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
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submitReply(); }
  });
  el.closeDialog.addEventListener('click', () => {
    const d = dialogs.get(selectedId);
    if (!d || !canWrite(d)) return;
    stopTyping();
    d.error = null;
    send({ type: 'close', dialogId: d.id, ref: 'close:' + d.id });
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

  window.addEventListener('online', () => { if (loggedIn && !ws) connect(); });

  boot();
})();
