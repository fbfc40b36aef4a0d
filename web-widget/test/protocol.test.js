import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, Outbox, DialogLog, resumedDialog } from '../src/shared/protocol.js';
import { FakeClock, fakeSockets, settle } from './fakes.js';

function setup(extra = {}) {
  const clock = new FakeClock(), Socket = fakeSockets(), frames = [];
  const conn = new Connection(Object.assign({
    url: 'ws://gateway/ws/visitor?site=main', WebSocket: Socket, timers: clock, random: () => 0.5,
    hello: () => ({ type: 'hello', token: 'v1.t', ref: 'hello' }), onFrame: f => frames.push(f)
  }, extra));
  return { clock, Socket, frames, conn };
}

test('sends hello as the socket opens and counts itself ready only at welcome', () => {
  const { Socket, frames, conn } = setup();
  conn.start();
  const s = Socket.last();
  s.open();
  assert.deepEqual(s.sent, [{ type: 'hello', token: 'v1.t', ref: 'hello' }]);
  assert.equal(conn.ready, false);
  s.receive({ type: 'welcome', token: 'v1.t', dialogs: [] });
  assert.equal(conn.ready, true);
  assert.deepEqual(frames.map(f => f.type), ['welcome']);
});

test('pings every 25 s while connected', () => {
  const { clock, Socket, conn } = setup();
  conn.start();
  Socket.last().open();
  Socket.last().receive({ type: 'welcome' });
  clock.tick(50000);
  assert.equal(Socket.last().frames('ping').length, 2);
});

test('reconnects on the back-off schedule and starts it over after a welcome', async () => {
  const { clock, Socket, conn } = setup();
  conn.start();
  const gaps = [];
  for (let n = 0; n < 6; n++) {
    Socket.last().drop();
    await settle();
    const [delay] = clock.pendingTimeouts().filter(d => d !== 10000 - 0);
    gaps.push(delay);
    const count = Socket.made.length;
    clock.tick(delay);
    assert.equal(Socket.made.length, count + 1, 'a new socket after ' + delay + ' ms');
  }
  assert.deepEqual(gaps, [250, 500, 1000, 2000, 2000, 2000]);
  Socket.last().open();
  Socket.last().receive({ type: 'welcome' });
  Socket.last().drop();
  await settle();
  assert.ok(clock.pendingTimeouts().includes(250));
});

test('a socket that reaches no welcome within 10 s is given up for a new one', async () => {
  const { clock, Socket, conn } = setup();
  conn.start();
  Socket.last().open();
  clock.tick(10000);
  await settle();
  assert.equal(Socket.made[0].readyState, 3);
  clock.tick(250);
  assert.equal(Socket.made.length, 2);
});

test('stays disconnected when the close code or beforeRetry says so', async () => {
  const a = setup({ onClose: code => code !== 4401 });
  a.conn.start();
  a.Socket.last().drop(4401);
  await settle();
  a.clock.tick(60000);
  assert.equal(a.Socket.made.length, 1);

  const b = setup({ beforeRetry: async attempt => attempt < 2 });
  b.conn.start();
  for (let n = 0; n < 4; n++) { b.Socket.last().drop(); await settle(); b.clock.tick(5000); }
  assert.equal(b.Socket.made.length, 3);
});

function withOutbox() {
  const env = setup();
  const kept = [];
  const outbox = new Outbox({ send: f => env.conn.send(f), persist: items => kept.push(items.map(i => i.id)), timers: env.clock, random: () => 0 });
  env.conn.o.onLost = () => outbox.lost();
  env.conn.o.onFrame = f => { if (f.type === 'ack') outbox.ack(f.clientMsgId); if (f.type === 'error') outbox.error(f, () => outbox.flush()); };
  const online = () => { env.conn.start(); env.Socket.last().open(); env.Socket.last().receive({ type: 'welcome' }); outbox.flush(); };
  return Object.assign(env, { outbox, kept, online });
}

test('an unacknowledged message is sent again with the same client id after a reconnect, once per connection', async () => {
  const { clock, Socket, outbox, kept, online } = withOutbox();
  online();
  outbox.add({ id: 'c-1', dialogId: 'd1', text: 'Здравствуйте', at: 'now' });
  outbox.flush();
  outbox.flush();
  assert.deepEqual(Socket.last().frames('message'), [{ type: 'message', dialogId: 'd1', clientMsgId: 'c-1', text: 'Здравствуйте' }]);
  Socket.last().drop();
  await settle();
  clock.tick(250);
  Socket.last().open();
  Socket.last().receive({ type: 'welcome' });
  outbox.flush();
  assert.deepEqual(Socket.last().frames('message').map(f => f.clientMsgId), ['c-1']);
  Socket.last().receive({ type: 'ack', dialogId: 'd1', clientMsgId: 'c-1', seq: 2 });
  assert.deepEqual(outbox.items, []);
  assert.deepEqual(kept, [['c-1'], []]);
});

test('a retryable error sends the same message again after 2 s; any other drops it as failed', () => {
  const { clock, Socket, outbox, online } = withOutbox();
  online();
  outbox.add({ id: 'c-1', dialogId: 'd1', text: 'a' });
  outbox.add({ id: 'c-2', dialogId: 'd1', text: 'b' });
  outbox.flush();
  const s = Socket.last();
  assert.deepEqual(outbox.error({ type: 'error', code: 'STORAGE_UNAVAILABLE', ref: 'c-1', retryable: true }, () => outbox.flush()),
    { item: outbox.items[0], failed: false });
  const failed = outbox.error({ type: 'error', code: 'TEXT_TOO_LONG', ref: 'c-2', retryable: false }, () => outbox.flush());
  assert.equal(failed.failed, true);
  assert.equal(failed.item.id, 'c-2');
  assert.equal(outbox.error({ type: 'error', code: 'RATE_LIMITED', ref: 'other' }, () => {}), null);
  clock.tick(2000);
  assert.deepEqual(s.frames('message').map(f => f.clientMsgId), ['c-1', 'c-2', 'c-1']);
  assert.deepEqual(outbox.items.map(i => i.id), ['c-1']);
});

test('messages wait while their dialog resumes', () => {
  const { Socket, outbox, conn, online } = withOutbox();
  online();
  const log = new DialogLog();
  log.accept({ seq: 1 });
  log.accept({ seq: 2 });
  log.resume(conn, 'd1');
  outbox.add({ id: 'c-1', dialogId: 'd1', text: 'a' });
  outbox.flush(i => !log.resuming);
  assert.equal(Socket.last().frames('message').length, 0);
  log.resuming = false;
  outbox.flush(i => !log.resuming);
  assert.equal(Socket.last().frames('message').length, 1);
});

test('resume asks for what came after the highest seq seen', () => {
  const { Socket, conn, online } = withOutbox();
  online();
  const log = new DialogLog();
  [1, 3, 2].forEach(seq => log.accept({ seq }));
  assert.equal(log.resume(conn, 'd1'), true);
  assert.deepEqual(Socket.last().frames('resume'), [{ type: 'resume', dialogId: 'd1', lastSeq: 3, ref: 'resume:d1' }]);
  assert.equal(resumedDialog('resume:d1'), 'd1');
  assert.equal(resumedDialog('close:d1'), null);
});

test('a message seen before is dropped, as is one without a seq', () => {
  const log = new DialogLog();
  assert.equal(log.accept({ seq: 5 }), true);
  assert.equal(log.accept({ seq: 5 }), false);
  assert.equal(log.accept({ text: 'no seq' }), false);
  assert.equal(log.lastSeq, 5);
});

test('a frame that is not JSON is ignored and the connection stays', () => {
  const { Socket, frames, conn } = setup();
  conn.start();
  Socket.last().open();
  Socket.last().receive('not json');
  Socket.last().receive({ type: 'welcome' });
  assert.equal(conn.ready, true);
  assert.equal(frames.length, 1);
});
