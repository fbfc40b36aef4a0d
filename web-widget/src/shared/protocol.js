/*
 * The client side of the gateway's WebSocket protocol (docs/protocol.md), shared by the visitor widget (bundled
 * into /widget/widget.js) and the agent console (served as /console/shared/protocol.js). No DOM here: the
 * WebSocket class, the timers and the random source are passed in, so Node's test runner can drive it.
 */

/**
 * How long to wait before reconnect attempt number `attempt` (0 first): 0.25, 0.5, 1, 2 s, then every 2 s for
 * about a minute (30 attempts in all), then every 10 s; each ±25 % so that a thousand clients do not come back
 * in step.
 */
export function backoffDelay(attempt, random = Math.random) {
  return Math.min(attempt < 30 ? 2000 : 10000, 250 * 2 ** attempt) * (0.75 + random() / 2);
}

/**
 * One WebSocket to the gateway that comes back by itself: sends `hello` (when given) as soon as it opens, counts
 * the connection ready at `welcome`, pings every 25 s, gives a socket that has not reached `welcome` in 10 s up like
 * a closed one, and after any loss reconnects on the back-off schedule above.
 *
 * options: url (string or function), WebSocket (the class), hello() → the first frame or null, onFrame(frame) for
 * every frame (welcome included, after the connection has counted itself ready), onLost() after a loss,
 * onClose(code) → false to stay disconnected (e.g. the session ended), beforeRetry(attempt) → a promise of false to
 * stay disconnected, timers ({setTimeout, clearTimeout, setInterval, clearInterval}), random.
 */
export class Connection {
  constructor(options) {
    this.o = Object.assign({ welcomeTimeout: 10000, pingEvery: 25000, random: Math.random, timers: globalThis }, options);
    this.t = this.o.timers;
    this.ws = null;
    this.ready = false;
    this.everReady = false;
    this.attempt = 0;
    this.stopped = true;
    this.reconnectTimer = this.welcomeTimer = this.pingTimer = 0;
  }

  /** Connects now (again), unless a socket is already there. */
  start() {
    this.stopped = false;
    if (!this.ws) this.connect();
  }

  connect() {
    const t = this.t;
    t.clearTimeout(this.reconnectTimer);
    if (this.stopped) return;
    let sock;
    try {
      sock = new this.o.WebSocket(typeof this.o.url === 'function' ? this.o.url() : this.o.url);
    } catch (e) {
      return this.retry();
    }
    this.ws = sock;
    t.clearTimeout(this.welcomeTimer);
    this.welcomeTimer = t.setTimeout(() => { if (this.ws === sock && !this.ready) this.drop(); }, this.o.welcomeTimeout);
    sock.onopen = () => {
      const hello = this.o.hello && this.o.hello();
      if (hello && this.ws === sock) sock.send(JSON.stringify(hello));
    };
    sock.onmessage = ev => {
      if (this.ws !== sock) return;
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (!f || typeof f !== 'object') return;
      if (f.type === 'welcome') this.welcomed();
      this.o.onFrame(f);
    };
    sock.onclose = ev => {
      if (this.ws !== sock) return;
      if (this.o.onClose && this.o.onClose(ev && ev.code) === false) return this.stop();
      this.lost();
    };
  }

  welcomed() {
    const t = this.t;
    t.clearTimeout(this.welcomeTimer);
    this.ready = this.everReady = true;
    this.attempt = 0;
    t.clearInterval(this.pingTimer);
    this.pingTimer = t.setInterval(() => this.send({ type: 'ping' }), this.o.pingEvery);
  }

  /** Sends a frame on a socket that is open; false when there is none (the caller keeps what must not be lost). */
  send(frame) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Gives the current socket up (e.g. `hello` was refused) and reconnects after the back-off. */
  drop() {
    const sock = this.ws;
    if (!sock) return;
    this.lost();
    try { sock.close(); } catch (e) { /* already closing */ }
  }

  /** The next attempt comes at once (e.g. the server asked for it); the schedule starts over. */
  resetBackoff() {
    this.attempt = 0;
  }

  lost() {
    const t = this.t;
    t.clearTimeout(this.welcomeTimer);
    t.clearInterval(this.pingTimer);
    this.ws = null;
    this.ready = false;
    if (this.o.onLost) this.o.onLost();
    this.retry();
  }

  async retry() {
    this.t.clearTimeout(this.reconnectTimer);
    if (this.stopped) return;
    if (this.o.beforeRetry && (await this.o.beforeRetry(this.attempt)) === false) return this.stop();
    if (this.stopped) return;
    this.reconnectTimer = this.t.setTimeout(() => this.connect(), backoffDelay(this.attempt++, this.o.random));
  }

  /** Closes for good (logout, the session ended): no reconnect until start(). */
  stop() {
    const t = this.t, sock = this.ws;
    this.stopped = true;
    t.clearTimeout(this.reconnectTimer);
    t.clearTimeout(this.welcomeTimer);
    t.clearInterval(this.pingTimer);
    this.ws = null;
    this.ready = this.everReady = false;
    this.attempt = 0;
    if (sock) try { sock.close(1000); } catch (e) { /* already closing */ }
  }
}

/**
 * The messages written but not acknowledged yet, each {id, dialogId, text, at}: kept across reloads by the caller's
 * persist(items), sent once per connection, and sent again with the same `clientMsgId` after a reconnect or a
 * retryable error, so that the server stores each exactly once.
 */
export class Outbox {
  constructor({ send, persist = () => {}, timers = globalThis, random = Math.random }) {
    this.o = { send, persist, timers, random };
    this.items = [];
    this.inflight = new Set();
  }

  /** Replaces the items (e.g. those kept from before a reload). */
  load(items) {
    this.items = Array.isArray(items) ? items.filter(i => i && i.id && typeof i.text === 'string') : [];
    this.inflight.clear();
  }

  save() {
    this.o.persist(this.items);
  }

  add(item) {
    this.items.push(item);
    this.save();
    return item;
  }

  find(id) {
    return this.items.find(i => i.id === id);
  }

  /** The message is stored (its ack, or its own echo): it leaves the outbox. */
  ack(id) {
    this.inflight.delete(id);
    const n = this.items.length;
    this.items = this.items.filter(i => i.id !== id);
    if (this.items.length !== n) this.save();
    return this.items.length !== n;
  }

  /** The connection is gone: nothing is in flight any more, everything goes again on the next one. */
  lost() {
    this.inflight.clear();
  }

  /** Sends every item that is not in flight and that may go now (may(item), e.g. not while its dialog resumes). */
  flush(may = () => true) {
    this.items.forEach(i => {
      if (this.inflight.has(i.id) || !may(i)) return;
      if (this.o.send({ type: 'message', dialogId: i.dialogId, clientMsgId: i.id, text: i.text })) this.inflight.add(i.id);
    });
  }

  /**
   * An `error` frame: when it answers one of our messages, a retryable one is sent again (same id) after 2–4 s by
   * retry(); any other drops the message. Returns {item, failed} for our message, or null for another frame's error.
   */
  error(e, retry) {
    const item = e && e.ref ? this.find(e.ref) : null;
    if (!item) return null;
    this.inflight.delete(item.id);
    if (e.retryable) {
      this.o.timers.setTimeout(retry, 2000 + this.o.random() * 2000);
      return { item, failed: false };
    }
    this.ack(item.id);
    return { item, failed: true };
  }
}

/**
 * What a client has of one dialog's messages: every `seq` seen (a frame seen before is dropped), the highest one
 * (what `resume` asks after), and whether a resume is under way (the dialog's outbox waits for `resumed`, so a
 * reply never overtakes what the client has not seen yet).
 */
export class DialogLog {
  constructor() {
    this.seen = new Set();
    this.lastSeq = 0;
    this.resuming = false;
  }

  /** True the first time a message with this seq arrives; false for a duplicate or a frame without a seq. */
  accept(m) {
    if (!m || typeof m.seq !== 'number' || this.seen.has(m.seq)) return false;
    this.seen.add(m.seq);
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    return true;
  }

  /** Asks for every message after the last one seen; `resumed` (or an error with the same ref) ends it. */
  resume(connection, dialogId) {
    this.resuming = connection.send({ type: 'resume', dialogId, lastSeq: this.lastSeq, ref: resumeRef(dialogId) });
    return this.resuming;
  }
}

export const resumeRef = dialogId => 'resume:' + dialogId;

/** The dialog id of a `resume` ref, or null for another ref. */
export const resumedDialog = ref => (typeof ref === 'string' && ref.startsWith('resume:') ? ref.slice(7) : null);

/** A client id for a message: a UUID where the browser has one. */
export function uid(c = globalThis.crypto) {
  if (c && c.randomUUID) return c.randomUUID();
  if (c && c.getRandomValues) return Array.from(c.getRandomValues(new Uint8Array(16)), b => (b + 256).toString(16).slice(1)).join('');
  return 'c-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
}
