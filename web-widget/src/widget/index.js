/*
 * contact-gateway visitor chat widget, bundled by esbuild (web-widget/package.json) into /widget/widget.js;
 * the wire protocol is docs/protocol.md.
 * Embed: <script src="https://gateway-host/widget/widget.js" data-site="applicant" data-lang="ru" async></script>
 * Host-page API: window.RosdistantChat.open() / close() / setContact({name, email}) / on(event, fn)
 * / identify({userId, email, name, signature}) (a logged-in user, signed by the site's server: docs/widget.md)
 * with events "opened" (a dialog summary), "message" (a message frame), "state" (connection, dialog, panel).
 */
import { Connection, Outbox, DialogLog, resumeRef, resumedDialog, uid } from '../shared/protocol.js';
import { linkify, placeBySeq } from '../shared/dom.js';
import { TEXTS } from './i18n.js';
import { CSS } from './style.js';
import { markup } from './template.js';
import { storage } from './store.js';
import { FORM_FIELDS, checkForm, formFailure, fieldError } from './form.js';
import { statusText, messageView, errorText, nextOpeningText, nobodyOnline, nextQueue, resultView, nextResults, resultReceipt, resultThanks } from './view.js';

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

  const T = TEXTS[LANG];

  const { load, save, loadJson } = storage(window, KEY);





  const host = document.createElement('div');
  host.id = 'rosdistant-chat';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = markup(T, CSS, MAX_TEXT);
  const $ = id => root.querySelector('[data-testid=' + id + ']');
  const launcher = $('launcher'), badge = $('badge'), panel = $('panel'), statusEl = $('status'), list = $('messages'),
    typingEl = $('typing'), input = $('input'), closeBtn = $('close-dialog'), attBtn = $('attach'), fileIn = $('file'),
    off = $('offline'), offForm = $('off-form'), offReason = $('off-reason'), offError = $('off-error'), offDone = $('off-done'),
    offSubmit = $('off-submit'), trBox = $('transcript'), trEmail = $('tr-email'), trErr = $('tr-error'),
    trDone = $('tr-done'), rtBox = $('rating'), rtForm = $('rt-form'), rtErr = $('rt-error'), rtDone = $('rt-done'),
    rtComment = $('rt-comment'), stars = [...rtForm.querySelectorAll('input')], nb = $('nobody'), offHide = $('off-hide'),
    rsBox = $('result'), rsTitle = $('rs-title'), rsText = $('rs-text'), rsButtons = $('rs-buttons'), rsErr = $('rs-error'),
    rsDone = $('rs-done');


  let token = load('localStorage', 'token');
  let contact = {};
  let dialog = null;            // current dialog summary {dialogId, state, agentName}
  let log = new DialogLog();    // the seqs seen of the current dialog
  let byCid = new Map();        // clientMsgId -> element of an own message
  let openPending = false;
  let panelOpen = false, unread = 0, readMark = loadJson('localStorage', 'read', {});
  let typingOn = false, typingSentAt = 0, typingIdle = 0, typingHide = 0;
  const handlers = {};
  let lastState = '';
  let line = null;              // {open, agentsOnline, nextOpening} from welcome / opened, agentsOnline from queue
  let nbWait = false;           // the visitor chose to wait while nobody is online (the notice folds away)
  let offWhy = null;            // why the offline form was offered: hours, busy, nobody
  let queue = null;             // {position, estimatedWaitSeconds} while the dialog waits
  let formId = null, formBusy = false;
  // the pending transcript request's ref; the closed dialog the rating was last set up for; the dialog the
  // transcript box was (its address may be given while the dialog is open: the copy follows when it ends)
  let trRef = null, trFor = null, trDlg = null;
  let rtRef = null, rated = loadJson('localStorage', 'rated', []);
  let results = [], rsRef = null, rsAnswered = [];   // results to confirm (the first shows), the pending answer's ref   // the pending rating's ref; dialogs rated here

  function emit(ev, data) {
    (handlers[ev] || []).forEach(fn => { try { fn(data); } catch (e) { console.error(e); } });
  }
  const isOpen = () => dialog && dialog.state !== 'CLOSED';

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
    const v = messageView(m, T, !!line && line.open === false, nobodyOnline(line));
    el.dataset.from = v.from;
    if (v.name) div('name', el).textContent = v.name;
    const text = div('text', el);
    if (v.from === 'system') text.textContent = v.text; else linkify(text, v.text);
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
    hideTyping();
  }

  function onMessage(m) {
    if (!dialog || m.dialogId !== dialog.dialogId || !log.accept(m)) return;
    if (m.from === 'system') {
      if (m.event === 'waiting') dialog.state = 'WAITING';
      if (m.event === 'assigned' || m.event === 'forwarded' && m.agentName) {
        dialog.state = 'ASSIGNED'; dialog.agentName = m.agentName; queue = null;
        // someone answers after all: the form gives way to the chat (what was typed in it stays)
        if (!off.hidden && !offForm.hidden && !formBusy) off.hidden = true;
      }
      if (m.event === 'forwarded' && !m.agentName || m.event === 'requeued') { dialog.state = 'WAITING'; dialog.agentName = null; queue = null; }
      if (m.event === 'closed') { dialog.state = 'CLOSED'; queue = null; hideTyping(); stopTyping(); }
      // Only a live offer opens the form: replaying an old dialog's history must not.
      if (m.event === 'offline_offered' && isOpen() && dialog.state === 'WAITING') showOffline(m.reason);
    }
    let el = m.from === 'visitor' && m.clientMsgId && byCid.get(m.clientMsgId);
    if (el) {
      outbox.ack(m.clientMsgId);
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
    // the rating and transcript boxes appear under a closed dialog: its last lines stay in sight
    if (m.event === 'closed') list.scrollTop = list.scrollHeight;
    emit('message', m);
  }

  function onAck(a) {
    outbox.ack(a.clientMsgId);
    const el = byCid.get(a.clientMsgId);
    if (!el) return;
    if (el.dataset.state !== 'sent') { el._at = a.at; setState(el, 'sent'); }
    if (!el.dataset.seq && typeof a.seq === 'number') { el.dataset.seq = a.seq; place(el, a.seq); }
  }

  function onError(e) {
    if (e.ref && e.ref === rsRef) {
      rsRef = null;
      rsButtons.hidden = false;
      rsErr.textContent = T.trFail + (T.err[e.code] || e.message || e.code);
      return;
    }
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
      if (e.retryable) return void setTimeout(flush, 2000 + Math.random() * 2000);
      outbox.items.filter(i => !i.dialogId).forEach(i => onError({ ref: i.id, code: e.code, message: e.message }));
    } else if (!e.ref && e.dialogId) {
      // the replay of a dialog failed (no ref): resuming again fetches what we have not seen
      if (e.retryable && dialog && e.dialogId === dialog.dialogId) {
        setTimeout(() => { if (conn.ready && dialog && dialog.dialogId === e.dialogId) resume(); }, 2000);
      }
    } else if (resumedDialog(e.ref) && dialog && resumedDialog(e.ref) === dialog.dialogId) {
      if (e.retryable) return void setTimeout(() => { if (conn.ready && dialog) resume(); }, 2000);
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
    typingOn = false;
    hideTyping();
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
        if (f.from === 'agent' && dialog && f.dialogId === dialog.dialogId) showTyping(f.typing, f.name);
        break;
      case 'queue':
        if (dialog && f.dialogId === dialog.dialogId) {
          queue = nextQueue(queue, f);
          if (line && typeof f.agentsOnline === 'number') setLine(Object.assign({}, line, { agentsOnline: f.agentsOnline }));
          update();
        }
        break;
      case 'rated':
        if (f.ref && f.ref === rtRef) ratedDone(f.dialogId, T.rtDone);
        break;
      case 'transcript_queued':
        if (f.ref && f.ref === trRef) { trRef = null; trDone.hidden = false; }
        break;
      case 'result': results = nextResults(results, resultView(f, T), rsAnswered); if (!rsRef) showResult(); break;
      case 'result_received': onResultReceived(f); break;
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
    if (line && line.open === false && !isOpen()) showOffline('hours');
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
    if (!nobodyOnline(line) && was && offWhy === 'nobody' && !off.hidden && !offForm.hidden && !formBusy) off.hidden = true;
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
    emit('opened', d);
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
    outbox.add(item);
    renderOutbox();
    flush();
  }

  function onInput() {
    if (!isOpen() || !conn.ready) return;
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
    nb.hidden = !conn.ready || !nobodyOnline(line) || nbWait || !off.hidden || !!dialog && dialog.state === 'ASSIGNED' && isOpen();
    const state = {
      connection: conn.ready ? 'online' : conn.everReady ? 'offline' : 'connecting',
      dialogId: dialog ? dialog.dialogId : null,
      dialogState: dialog ? dialog.state : null,
      agentName: dialog && dialog.agentName || null,
      queuePosition: queue && dialog && dialog.state === 'WAITING' ? queue.position : null,
      nobodyOnline: nobodyOnline(line),
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
  /** The first result still to confirm, with «Да»/«Нет»; hidden when none. */
  function showResult() {
    const r = results[0];
    if (!r) return;
    rsBox.hidden = false;
    rsTitle.textContent = r.title;
    rsText.textContent = r.text;
    rsButtons.hidden = false;
    rsErr.textContent = '';
    rsDone.hidden = true;
  }
  function answerResult(received) {
    const r = results[0], ref = 'rs-' + uid();
    if (!r || rsRef) return;
    if (!send(resultReceipt(r.id, received, ref))) return void (rsErr.textContent = T.trFail + T.offline);
    rsRef = ref;
    rsButtons.hidden = true;
    rsErr.textContent = '';
  }
  function onResultReceived(f) {
    if (!f.ref || f.ref !== rsRef) return;
    rsRef = null;
    rsAnswered = rsAnswered.concat(f.resultId).slice(-20);
    results = results.filter(r => r.id !== f.resultId);
    rsDone.textContent = resultThanks(f.answer, T);
    rsDone.hidden = false;
    if (results.length) setTimeout(showResult, 3000);
  }
  $('rs-yes').addEventListener('click', () => answerResult(true));
  $('rs-no').addEventListener('click', () => answerResult(false));
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
  window.addEventListener('online', () => conn.start());



  const field = n => offForm.elements[n];

  function showOffline(reason) {
    let text = reason === 'hours' ? T.offHours : reason === 'nobody' ? T.offNobody : T.offBusy;
    offWhy = reason;
    offHide.textContent = reason === 'nobody' ? T.fWait : T.fHide;
    const at = line && line.open === false && nextOpeningText(line.nextOpening, new Date(), LANG);
    if (reason === 'hours' && at) text += ' ' + T.opens(at);
    offReason.textContent = text;
    if (off.hidden) {
      if (!formId) formId = 'f-' + uid();
      if (!field('name').value && contact.name) field('name').value = contact.name;
      if (!field('email').value && contact.email) field('email').value = contact.email;
      if (!field('question').value) field('question').value = typedQuestion();
      off.hidden = false;
      offForm.hidden = false;
      offDone.hidden = true;
    }
    update();
  }

  // What the visitor already asked in the chat: the messages they sent in this dialog, else the message box.
  function typedQuestion() {
    const sent = [...list.querySelectorAll('.msg[data-from=visitor] .text')].map(t => t.textContent.trim()).filter(Boolean);
    return (sent.length ? sent.join('\n') : input.value.trim()).slice(0, 4000);
  }

  function setErrors(errors) {
    FORM_FIELDS.forEach(n => {
      const msg = fieldError(errors, n, T, LANG);
      $('err-' + n).textContent = msg;
      field(n).setAttribute('aria-invalid', msg ? 'true' : 'false');
    });
    const first = FORM_FIELDS.find(n => errors[n]);
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
    const local = checkForm(body, T);
    setErrors(local);
    if (local.email && !body.email && !body.phone) field('phone').setAttribute('aria-invalid', 'true');
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
    const failure = formFailure(r ? r.status : null, problem, T);
    if (failure.fields) setErrors(failure.fields);
    offError.textContent = failure.message;
    if (failure.newId) formId = 'f-' + uid();
  }

  offForm.addEventListener('submit', e => { e.preventDefault(); sendForm(); });
  offHide.addEventListener('click', () => { off.hidden = true; if (offWhy === 'nobody') nbWait = true; input.focus(); update(); });
  $('nb-form').addEventListener('click', () => { showOffline('nobody'); field('name').focus(); });
  $('nb-wait').addEventListener('click', () => { nbWait = true; input.focus(); update(); });
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
    conn.start();
  }
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
