/*
 * contact-gateway visitor chat widget, bundled by esbuild (web-widget/package.json) into /widget/widget.js;
 * the wire protocol is docs/protocol.md.
 * Embed: <script src="https://gateway-host/widget/widget.js" data-site="applicant" data-lang="ru" async></script>
 * Host-page API: window.RosdistantChat.open() / close() / setContact({name, email}) / on(event, fn)
 * / identify({userId, email, name, signature}) (a logged-in user, signed by the site's server: docs/widget.md)
 * with events "opened" (a dialog summary), "message" (a message frame), "state" (connection, dialog, panel).
 * This file holds the dialog's state and wires the parts; each part with a job of its own is a module beside it.
 */
import { Connection, Outbox, DialogLog, resumeRef, resumedDialog, uid } from '../shared/protocol.js';
import { placeBySeq } from '../shared/dom.js';
import { TEXTS } from './i18n.js';
import { CSS } from './style.js';
import { markup } from './template.js';
import { storage } from './store.js';
import { statusText, errorText, nobodyOnline, nextQueue } from './view.js';
import { MAX_FILE, fileUrl, upload, uploadFailure, download, fileLink } from './files.js';
import { offlineForm, askedQuestion } from './offline-form.js';
import { resultBox } from './result-box.js';
import { transcriptBox } from './transcript.js';
import { ratingBox } from './rating.js';
import { typing } from './typing.js';
import { messageEl, setState as showState } from './messages.js';
import { hostApi } from './host-api.js';

(function () {
  if (window.RosdistantChat) return;
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script) return;

  const SITE = script.getAttribute('data-site') || 'main';
  const LANG = script.getAttribute('data-lang') === 'en' ? 'en' : 'ru';
  const base = new URL(script.src, location.href);
  const WS_URL = (base.protocol === 'https:' ? 'wss://' : 'ws://') + base.host
    + '/ws/visitor?site=' + encodeURIComponent(SITE);
  const FILES = new URL('/api/widget/files', base).href;
  const KEY = 'rosdistant-chat:' + SITE + ':';
  const MAX_TEXT = 4000;

  const T = TEXTS[LANG];

  const { load, save, loadJson } = storage(window, KEY);
  // the page's own functions, called bare (a browser refuses fetch called on another object)
  const pageFetch = (url, init) => fetch(url, init);
  const later = (fn, ms) => setTimeout(fn, ms);

  const host = document.createElement('div');
  host.id = 'rosdistant-chat';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = markup(T, CSS, MAX_TEXT);
  const $ = id => root.querySelector('[data-testid=' + id + ']');
  const launcher = $('launcher'), badge = $('badge'), panel = $('panel'), statusEl = $('status'), list = $('messages'),
    input = $('input'), closeBtn = $('close-dialog'), attBtn = $('attach'), fileIn = $('file'), nb = $('nobody');

  let token = load('localStorage', 'token');
  let dialog = null;            // current dialog summary {dialogId, state, agentName}
  let log = new DialogLog();    // the seqs seen of the current dialog
  let byCid = new Map();        // clientMsgId -> element of an own message
  let openPending = false;
  let panelOpen = false, unread = 0, readMark = loadJson('localStorage', 'read', {});
  let lastState = '';
  let line = null;              // {open, agentsOnline, nextOpening} from welcome / opened, agentsOnline from queue
  let nbWait = false;           // the visitor chose to wait while nobody is online (the notice folds away)
  let queue = null;             // {position, estimatedWaitSeconds} while the dialog waits

  const isOpen = () => dialog && dialog.state !== 'CLOSED';
  const chat = hostApi({ open: () => openPanel(), close: () => closePanel(), log: e => console.error(e) });

  // The socket (hello with the kept token, back-off, ping) and the messages not acknowledged yet: shared/protocol.js.
  const conn = new Connection({
    url: WS_URL, WebSocket: window.WebSocket,
    hello: () => (token ? { type: 'hello', token, ref: 'hello' } : { type: 'hello', ref: 'hello' }),
    onFrame: handle, onLost: lost
  });
  const send = frame => conn.send(frame);
  // [{id, dialogId|null, text, at}]: a message written before its dialog is opened has no dialogId yet
  const outbox = new Outbox({ send, persist: items => save('localStorage', 'outbox', items.length ? JSON.stringify(items) : null) });
  outbox.load(loadJson('localStorage', 'outbox', []));

  const typer = typing({
    el: $('typing'), T, send, dialog: () => dialog, open: isOpen, ready: () => conn.ready,
    timers: { setTimeout: later, clearTimeout: id => clearTimeout(id), now: () => Date.now() }
  });
  const offline = offlineForm({
    els: {
      off: $('offline'), form: $('off-form'), reason: $('off-reason'), error: $('off-error'), done: $('off-done'),
      submit: $('off-submit'), hide: $('off-hide'), back: $('off-back'), errorOf: n => $('err-' + n)
    },
    T, lang: LANG, site: SITE, url: new URL('/api/offline-forms', base).href, fetch: pageFetch, uid, now: () => new Date(),
    context: () => ({ contact: chat.contact(), dialog, token, line }),
    question: () => askedQuestion([...list.querySelectorAll('.msg[data-from=visitor] .text')].map(t => t.textContent), input.value),
    changed: update,
    hidden: why => { if (why === 'nobody') nbWait = true; input.focus(); update(); }
  });
  const results = resultBox({
    els: {
      box: $('result'), title: $('rs-title'), text: $('rs-text'), buttons: $('rs-buttons'), error: $('rs-error'),
      done: $('rs-done'), yes: $('rs-yes'), no: $('rs-no')
    },
    T, send, uid, later
  });
  const transcript = transcriptBox({
    els: { box: $('transcript'), form: $('tr-form'), email: $('tr-email'), error: $('tr-error'), done: $('tr-done') },
    T, send, uid
  });
  const rating = ratingBox({
    els: {
      box: $('rating'), form: $('rt-form'), stars: [...$('rt-form').querySelectorAll('input')], comment: $('rt-comment'),
      error: $('rt-error'), done: $('rt-done')
    },
    T, send, uid, rated: loadJson('localStorage', 'rated', []), keep: rated => save('localStorage', 'rated', JSON.stringify(rated))
  });

  const setState = (el, state, err) => showState(el, state, T, LANG, err);
  const makeMsg = m => messageEl(document, m, {
    T, lang: LANG, closed: !!line && line.open === false, nobody: nobodyOnline(line), file: (el, f) => addFileLink(el, f)
  });

  function addFileLink(el, m) {
    fileLink(el, m.fileName, T, () => download(m.fileName, {
      url: fileUrl(FILES, { site: SITE, dialogId: m.dialogId, clientMsgId: m.clientMsgId }), token, fetch: pageFetch,
      doc: document, objectUrl: b => URL.createObjectURL(b)
    }));
  }

  // Files go over HTTP, not the socket (files.js); one over 16 MB is refused here, before any upload.
  async function attach(f) {
    const id = uid(), el = makeMsg({ from: 'visitor', text: f.name });
    byCid.set(id, el);
    place(el);
    if (f.size > MAX_FILE) return setState(el, 'failed', T.big);
    setState(el, 'sending');
    const url = fileUrl(FILES, { site: SITE, dialogId: dialog.dialogId, clientMsgId: id, name: f.name });
    const r = await upload(f, { url, token, fetch: pageFetch, wait: ms => new Promise(ok => later(ok, ms)) });
    if (r.status === 201) onAck(r.body);
    else setState(el, 'failed', uploadFailure(r.status, r.body, T));
  }

  const place = (el, seq) => placeBySeq(list, el, seq);

  function renderOutbox() {
    outbox.items.forEach(i => {
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
    log = new DialogLog(); byCid = new Map();
    list.textContent = '';
    setUnread(0);
    if (readMark.d !== d.dialogId) readMark = { d: d.dialogId, s: 0 };
    if (isOpen()) outbox.items.forEach(i => { if (!i.dialogId) i.dialogId = d.dialogId; });
    outbox.save();
    renderOutbox();
    typer.hide();
  }

  function onMessage(m) {
    if (!dialog || m.dialogId !== dialog.dialogId || !log.accept(m)) return;
    if (m.from === 'system') {
      if (m.event === 'waiting') dialog.state = 'WAITING';
      if (m.event === 'assigned' || m.event === 'forwarded' && m.agentName) {
        dialog.state = 'ASSIGNED'; dialog.agentName = m.agentName; queue = null;
        // someone answers after all: the form gives way to the chat (what was typed in it stays)
        offline.giveWay();
      }
      if (m.event === 'forwarded' && !m.agentName || m.event === 'requeued') { dialog.state = 'WAITING'; dialog.agentName = null; queue = null; }
      if (m.event === 'closed') { dialog.state = 'CLOSED'; queue = null; typer.hide(); typer.stop(); }
      // Only a live offer opens the form: replaying an old dialog's history must not.
      if (m.event === 'offline_offered' && isOpen() && dialog.state === 'WAITING') offline.show(m.reason);
    }
    let el = m.from === 'visitor' && m.clientMsgId && byCid.get(m.clientMsgId);
    if (el) {
      outbox.ack(m.clientMsgId);
      el._at = m.at;
      setState(el, 'sent');
      if (m.event === 'file') { el.firstChild.textContent = m.text; addFileLink(el, m); }
    } else el = makeMsg(m);
    el.dataset.seq = m.seq;
    place(el, m.seq);
    if (m.from === 'agent') {
      typer.hide();
      if (!panelOpen && m.seq > readMark.s) setUnread(unread + 1);
    }
    markRead();
    update();
    // the rating and transcript boxes appear under a closed dialog: its last lines stay in sight
    if (m.event === 'closed') list.scrollTop = list.scrollHeight;
    chat.emit('message', m);
  }

  function onAck(a) {
    outbox.ack(a.clientMsgId);
    const el = byCid.get(a.clientMsgId);
    if (!el) return;
    if (el.dataset.state !== 'sent') { el._at = a.at; setState(el, 'sent'); }
    if (!el.dataset.seq && typeof a.seq === 'number') { el.dataset.seq = a.seq; place(el, a.seq); }
  }

  function onError(e) {
    if (results.onError(e) || transcript.onError(e) || rating.onError(e)) return;
    // hello failed: no welcome will come on this socket; start over after the usual back-off
    if (e.ref === 'hello') {
      if (!conn.ready) conn.drop();
      return;
    }
    // the dialog opens all the same, unverified: tell the site's developers, not the visitor
    if (e.code === 'IDENTITY_INVALID') return void console.warn('RosdistantChat.identify:', e.message);
    const mine = outbox.error(e, flush);
    if (mine) {
      const el = mine.failed && byCid.get(mine.item.id);
      if (el) setState(el, 'failed', errorText(e, T));
    } else if (e.ref === 'open') {
      openPending = false;
      if (e.retryable) return void later(flush, 2000 + Math.random() * 2000);
      outbox.items.filter(i => !i.dialogId).forEach(i => onError({ ref: i.id, code: e.code, message: e.message }));
    } else if (!e.ref && e.dialogId) {
      // the replay of a dialog failed (no ref): resuming again fetches what we have not seen
      if (e.retryable && dialog && e.dialogId === dialog.dialogId) {
        later(() => { if (conn.ready && dialog && dialog.dialogId === e.dialogId) resume(); }, 2000);
      }
    } else if (resumedDialog(e.ref) && dialog && resumedDialog(e.ref) === dialog.dialogId) {
      if (e.retryable) return void later(() => { if (conn.ready && dialog) resume(); }, 2000);
      log.resuming = false;
      adoptNone();
      flush();
    }
  }

  function adoptNone() {
    if (!dialog) return;
    dialog = null; log = new DialogLog(); byCid = new Map(); list.textContent = '';
    renderOutbox();
    update();
  }

  // The connection is gone: what was in flight goes again on the next one (shared/protocol.js reconnects).
  function lost() {
    openPending = false;
    log.resuming = false;
    outbox.lost();
    typer.lost();
    update();
  }

  function handle(f) {
    switch (f.type) {
      case 'welcome': onWelcome(f); break;
      case 'opened': if (f.line) setLine(f.line); onOpened(f.dialog); break;
      case 'message': onMessage(f); break;
      case 'ack': onAck(f); break;
      case 'resumed':
        if (dialog && f.dialogId === dialog.dialogId) { log.resuming = false; flush(); }
        break;
      case 'typing':
        if (f.from === 'agent' && dialog && f.dialogId === dialog.dialogId) typer.show(f.typing, f.name);
        break;
      case 'queue':
        if (dialog && f.dialogId === dialog.dialogId) {
          queue = nextQueue(queue, f);
          if (line && typeof f.agentsOnline === 'number') setLine(Object.assign({}, line, { agentsOnline: f.agentsOnline }));
          update();
        }
        break;
      case 'rated': rating.onRated(f); break;
      case 'transcript_queued': transcript.onQueued(f); break;
      case 'result': results.onResult(f); break;
      case 'result_received': results.onReceived(f); break;
      case 'error': onError(f); break;
    }
  }

  function onWelcome(f) {
    if (f.token) { token = f.token; save('localStorage', 'token', token); }
    setLine(f.line || null);
    const dialogs = Array.isArray(f.dialogs) ? f.dialogs : [];
    const d = (dialog && dialogs.find(x => x.dialogId === dialog.dialogId)) || dialogs.find(x => x.state !== 'CLOSED');
    if (!d) adoptNone();
    else if (dialog && dialog.dialogId === d.dialogId) { dialog.state = d.state; dialog.agentName = d.agentName; }
    else adopt(d);
    if (dialog) resume();
    if (line && line.open === false && !isOpen()) offline.show('hours');
    update();
    flush();
  }

  const resume = () => log.resume(conn, dialog.dialogId);

  // The line as the gateway last told it. Nobody online again brings the notice back; someone coming online
  // folds a form that was offered only because nobody was (what was typed in it stays).
  function setLine(l) {
    const was = nobodyOnline(line);
    line = l;
    if (nobodyOnline(line) && !was) nbWait = false;
    if (!nobodyOnline(line) && was) offline.giveWay('nobody');
  }

  function onOpened(d) {
    if (!d) return;
    openPending = false;
    if (!dialog || dialog.dialogId !== d.dialogId) {
      adopt(d);
      // open may join a dialog another tab already started: fetch what we have not seen.
      send({ type: 'resume', dialogId: d.dialogId, lastSeq: log.lastSeq, ref: resumeRef(d.dialogId) });
    }
    markRead();
    update();
    chat.emit('opened', d);
    flush();
  }

  function flush() {
    if (!conn.ready) return;
    let needOpen = false;
    outbox.flush(i => {
      if (!i.dialogId) {
        if (!isOpen()) return !(needOpen = true);
        i.dialogId = dialog.dialogId;
        outbox.save();
      }
      return !(log.resuming && dialog && i.dialogId === dialog.dialogId);
    });
    if (needOpen && !openPending) {
      const contact = chat.contact(), f = { type: 'open', ref: 'open' };
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
    typer.stop();
    if (dialog && !isOpen()) adoptNone();
    const item = { id: uid(), dialogId: isOpen() ? dialog.dialogId : null, text: text.slice(0, MAX_TEXT), at: new Date().toISOString() };
    outbox.add(item);
    renderOutbox();
    flush();
  }

  function setUnread(n) {
    unread = n;
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.hidden = n === 0;
    launcher.setAttribute('aria-label', n ? T.unread(n) : T.launcher);
  }

  function markRead() {
    if (!panelOpen || !dialog || readMark.s >= log.lastSeq) return;
    readMark = { d: dialog.dialogId, s: log.lastSeq };
    save('localStorage', 'read', JSON.stringify(readMark));
  }

  function update() {
    const s = statusText({ ready: conn.ready, everReady: conn.everReady, line, dialog, queue }, T);
    if (statusEl.textContent !== s) statusEl.textContent = s;
    // A button that goes disabled drops the keyboard focus: hand it to the message box first.
    const noClose = !conn.ready || !isOpen();
    if (noClose && [closeBtn, attBtn].includes(root.activeElement)) input.focus();
    closeBtn.disabled = attBtn.disabled = noClose;
    // A copy of the dialog may be mailed to the visitor, once, to the one address given in it before it ended;
    // a closed dialog may be rated.
    const contact = chat.contact();
    transcript.forDialog(dialog ? dialog.dialogId : null, contact.email);
    rating.forClosed(dialog && dialog.state === 'CLOSED' ? dialog.dialogId : null);
    list.hidden = offline.shown && !dialog;
    nb.hidden = !conn.ready || !nobodyOnline(line) || nbWait || offline.shown || !!dialog && dialog.state === 'ASSIGNED' && isOpen();
    const state = {
      connection: conn.ready ? 'online' : conn.everReady ? 'offline' : 'connecting',
      dialogId: dialog ? dialog.dialogId : null,
      dialogState: dialog ? dialog.state : null,
      agentName: dialog && dialog.agentName || null,
      queuePosition: queue && dialog && dialog.state === 'WAITING' ? queue.position : null,
      nobodyOnline: nobodyOnline(line),
      offlineForm: offline.shown,
      panel: panelOpen ? 'open' : 'closed'
    };
    const json = JSON.stringify(state);
    if (json !== lastState) { lastState = json; chat.emit('state', state); }
  }

  function openPanel(focus) {
    panelOpen = true;
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    save('sessionStorage', 'open', '1');
    setUnread(0);
    markRead();
    list.scrollTop = list.scrollHeight;
    if (focus !== false) (!offline.shown || dialog ? input : offline.field('name')).focus();
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
    if (isOpen()) { typer.stop(); send({ type: 'close', dialogId: dialog.dialogId, ref: 'close' }); }
  });
  $('chat-form').addEventListener('submit', e => { e.preventDefault(); submit(); });
  attBtn.addEventListener('click', () => fileIn.click());
  fileIn.addEventListener('change', () => { const f = fileIn.files[0]; fileIn.value = ''; if (f && isOpen()) attach(f); });
  input.addEventListener('input', () => typer.input());
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  root.addEventListener('keydown', e => {
    if (e.key === 'Escape' && panelOpen) { e.preventDefault(); closePanel(); launcher.focus(); }
  });
  window.addEventListener('online', () => conn.start());
  $('nb-form').addEventListener('click', () => { offline.show('nobody'); offline.field('name').focus(); });
  $('nb-wait').addEventListener('click', () => { nbWait = true; input.focus(); update(); });

  window.RosdistantChat = chat.api;

  function start() {
    document.body.append(host);
    renderOutbox();
    update();
    if (load('sessionStorage', 'open')) openPanel(false);
    conn.start();
  }
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
