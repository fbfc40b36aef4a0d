/*
 * contact-gateway agent console: the entry module (<script type="module" src="/console/main.js">). Views: login
 * (POST /login) and main (WebSocket /ws/agent through shared/protocol.js: dialogs, history, replies, presence,
 * typing); each panel is a module of its own (docs/console.md).
 */
import { Connection, resumedDialog } from './shared/protocol.js';
// Panels that only answer the agent's clicks are loaded for their listeners (the others are imported below too).
import './admin.js';
import { alertAgent, notificationsAllowed, onDialogFrame } from './alerts.js';
import { resetCanned, setupCanned } from './canned.js';
import { setCardCollapsed, showCard } from './card.js';
import { closeFailed } from './close.js';
import { flush, onAck, onMessage, onTyping, outbox, renderConversation, renderTyping, setState, stopTyping } from './conversation.js';
import { markRead, onDialogLeft, onRead, renderDialogList, resume, updateTitle, upsertDialog } from './dialogs.js';
import { setupEmail, stopEmail } from './email.js';
import { forwardFailed } from './forward.js';
import { onOffer, removeOffer, resetOffers } from './offers.js';
import { setupOverview, stopOverview } from './overview.js';
import { CONN_LABEL, ERROR_TEXT, app, dialogs, el, errorText, hasRole, load, loadLabels, save, send } from './state.js';
import './keys.js';
import { refreshTasksSoon, setupTasks, stopTasks } from './tasks.js';
import { setupTriage, stopTriage, triageFailed } from './triage.js';
import { hideModal, showNotice } from './ui.js';

// The agent socket: the session cookie is the identity (no hello), the server ends it on purpose with 4401 (the
// session has ended: logout elsewhere, a new password, the account disabled, too many sessions) or 4409 (an
// administrator changed the account: reconnect at once).
app.conn = new Connection({
  url: () => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/agent',
  WebSocket: window.WebSocket,
  onFrame: handle,
  onClose(code) {
    if (code === 4401) {
      leaveMain('Сеанс завершён: выход, смена пароля, отключение учётной записи или вход с другого места. Войдите снова.');
      return false;
    }
    if (code === 4409) {
      app.conn.resetBackoff();
      showNotice('Администратор изменил вашу учётную запись — переподключаемся.');
    }
    return true;
  },
  // The handshake is refused without a session; after a few failures find out whether that is why.
  async beforeRetry(attempt) {
    if (attempt >= 2) {
      try {
        const r = await fetch('/api/me', { credentials: 'same-origin' });
        if (r.status === 401) { leaveMain('Сессия истекла. Войдите снова.'); return false; }
      } catch (e) { /* the server is down: keep trying */ }
    }
    return app.loggedIn;
  },
  // The connection is gone: forget what was in flight; it goes again after the reconnect.
  onLost() {
    outbox.lost();
    dialogs.forEach(d => { d.log.resuming = false; d.visitorTyping = false; });
    setConnection(app.conn.everReady ? 'offline' : 'connecting');
    stopTyping(true);
    renderTyping();
  }
});

export function showView(view) {
  el.loading.hidden = true;
  el.loginView.hidden = view !== 'login';
  el.mainView.hidden = view !== 'main';
}

export async function boot() {
  try {
    const r = await fetch('/api/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (r.ok) return enterMain(await r.json());
  } catch (e) { /* server unreachable: show the login form */ }
  showLogin();
}

export function showLogin(message) {
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

export function enterMain(who) {
  app.me = who || {};
  app.loggedIn = true;
  el.agentName.textContent = app.me.displayName || app.me.login || '';
  outbox.load(load('localStorage', 'outbox', []));
  app.readMarks = load('localStorage', 'read', {});
  app.chosenPresence = load('sessionStorage', 'presence', null);
  el.soundToggle.checked = load('localStorage', 'sound', true) === true;
  el.notifyToggle.checked = load('localStorage', 'notify', false) === true && notificationsAllowed();
  showView('main');
  setConnection('connecting');
  setCardCollapsed(load('localStorage', 'cardCollapsed', false) === true);
  renderDialogList();
  renderConversation();
  app.conn.start();
  loadLabels();
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

export function leaveMain(message) {
  app.loggedIn = false;
  hideModal(el.adminModal);
  app.conn.stop();
  dialogs.clear();
  resetOffers();
  stopTriage();
  stopOverview();
  stopEmail();
  stopTasks();
  resetCanned();
  showCard(null);
  app.selectedId = null;
  app.left.clear();
  outbox.lost();
  el.dialogs.textContent = '';
  updateTitle();
  if (message) showLogin(message);
}

export function setConnection(state) {
  el.connection.dataset.state = state;
  el.connection.textContent = CONN_LABEL[state];
  if (!dialogs.size) renderDialogList();   // the empty list says whether the console is connected
}

// The server confirms the agent's choice, or a supervisor set it (`by`): that is the agent's choice from now on.
function onPresence(f) {
  if (!f.status) return;
  el.presence.value = f.status;
  if (f.by) {
    app.chosenPresence = f.status;
    save('sessionStorage', 'presence', f.status);
    showNotice(f.by + ': ваш статус — «' + (el.presence.selectedOptions[0] || {}).textContent + '»');
  }
  renderDialogList();
}

export function handle(f) {
  switch (f.type) {
    case 'welcome': onWelcome(f); break;
    case 'presence': onPresence(f); break;
    case 'read': onRead(f); break;
    case 'dialog_left': onDialogLeft(f); break;
    case 'dialog': if (f.dialog) onDialogFrame(f.dialog); break;
    case 'offer': onOffer(f); break;
    case 'offer_withdrawn': removeOffer(f.dialogId); break;
    case 'card_notice': onCardNotice(f); break;
    case 'message': onMessage(f); break;
    case 'ack': onAck(f); break;
    case 'resumed': {
      const d = dialogs.get(f.dialogId);
      if (d) {
        d.log.resuming = false;
        flush();
        if (d.id === app.selectedId && !document.hidden) markRead(d);
      }
      break;
    }
    case 'typing': onTyping(f); break;
    case 'error': onError(f); break;
  }
}

export function onWelcome(f) {
  setConnection('online');
  if (f.agent) {
    app.agentId = f.agent.id;
    app.me = Object.assign({}, app.me, { displayName: f.agent.displayName || app.me.displayName, roles: f.agent.roles || app.me.roles });
    el.agentName.textContent = app.me.displayName || app.me.login || '';
    el.adminOpen.hidden = !hasRole('ADMIN');
  }
  if (app.chosenPresence && app.chosenPresence !== f.presence) send({ type: 'presence', status: app.chosenPresence });
  el.presence.value = app.chosenPresence || f.presence || 'OFFLINE';
  (f.dialogs || []).forEach(s => upsertDialog(s, false));
  renderDialogList();
  setupTriage();
  setupOverview();
  setupEmail();
  // Every known dialog, including those the server no longer lists (closed meanwhile), catches up from its last seq.
  dialogs.forEach(resume);
  flush();
}

export function onError(e) {
  const ref = e.ref || '';
  const mine = outbox.error(e, flush);
  if (mine) {
    const d = dialogs.get(mine.item.dialogId), node = mine.failed && d && d.byCid.get(mine.item.id);
    if (node) setState(node, 'failed', errorText(e));
    return;
  }
  if (!ref && e.dialogId) {
    // The server could not read a dialog's messages while replaying them (resume, or filling a gap); that
    // error names the dialog but has no ref. Resuming again fetches what is missing.
    const d = dialogs.get(e.dialogId);
    if (d && e.retryable) setTimeout(() => app.conn.ready && resume(d), 2000);
    return;
  }
  if (resumedDialog(ref)) {
    const d = dialogs.get(resumedDialog(ref));
    if (!d) return;
    d.log.resuming = false;
    if (e.retryable) setTimeout(() => app.conn.ready && resume(d), 2000);
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
  if (kind === 'read') return;   // a read mark for a dialog no longer this agent's: nothing to show
  if (e.code) showNotice('Ошибка: ' + errorText(e));
}


window.addEventListener('online', () => { if (app.loggedIn) app.conn.start(); });

boot();

// The person of a card the agent is responsible for wrote again (regulation 4.2): a notice, and the task it made.
function onCardNotice(f) {
  showNotice(f.text);
  alertAgent('Снова обращается', f.text);
  refreshTasksSoon();
}
