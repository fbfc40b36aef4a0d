// Test doubles for the front-end modules: a clock whose time only moves when told, and a WebSocket class whose
// instances record what the client sent and let a test play the server.

export class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.next = 1;
    this.setTimeout = (fn, ms) => this.add(fn, ms, 0);
    this.setInterval = (fn, ms) => this.add(fn, ms, ms);
    this.clearTimeout = this.clearInterval = id => this.timers.delete(id);
  }

  add(fn, ms, every) {
    const id = this.next++;
    this.timers.set(id, { fn, at: this.now + Math.max(0, ms || 0), every });
    return id;
  }

  /** Moves the time on by ms, firing every timer that falls due on the way, in order. */
  tick(ms) {
    const end = this.now + ms;
    for (;;) {
      let due = null;
      for (const [id, t] of this.timers) if (t.at <= end && (!due || t.at < due[1].at)) due = [id, t];
      if (!due) break;
      const [id, t] = due;
      this.now = t.at;
      if (t.every) t.at += t.every; else this.timers.delete(id);
      t.fn();
    }
    this.now = end;
  }

  /** The delay of the one pending timeout (not interval), or null. */
  pendingTimeouts() {
    return [...this.timers.values()].filter(t => !t.every).map(t => t.at - this.now);
  }
}

export function fakeSockets() {
  const made = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      made.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.readyState = 3; }
    // the server's side
    open() { this.readyState = 1; this.onopen && this.onopen(); }
    receive(frame) { this.onmessage && this.onmessage({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) }); }
    drop(code = 1006) { this.readyState = 3; this.onclose && this.onclose({ code }); }
    frames(type) { return this.sent.filter(f => f.type === type); }
  }
  FakeSocket.made = made;
  FakeSocket.last = () => made[made.length - 1];
  return FakeSocket;
}

/** Lets pending promise callbacks (an async beforeRetry) run. */
export const settle = () => new Promise(ok => setImmediate(ok));
