package ru.rosdistant.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The crash drill's generator (bench/drill-crash.sh): the chat scenario at a real load whose clients behave
 * like the widget and the console when the server dies under them. When a socket closes without the
 * generator asking for it, the client reconnects as the widget does (0.25, 0.5, 1, 2 s, then every 2 s, each
 * ±25 %: {@link Client#backOffMillis}) until the server is back; a visitor sends {@code hello} with its token and {@code resume}s its dialog from the highest seq
 * it has seen; an agent opens the console socket again (logging in again when the session cookie is refused)
 * and resumes the dialogs of its {@code welcome}. Every message sent but not acknowledged is sent again, with
 * the same clientMsgId, once the dialog is resumed. Frames whose seq the client already has are dropped, as
 * the protocol asks.
 *
 * <p>The script kills the server and starts it again while the load runs, and writes the times of the kill,
 * the new process's start and its readiness into {@code --restart-file} (epoch milliseconds). After the load,
 * the generator waits for every session to be resumed and every message to be acknowledged and delivered,
 * reads that file and reports: recovery times per session, messages acknowledged before the kill, lost
 * (acknowledged, not in PostgreSQL), duplicated, seq gaps as PostgreSQL and as each client sees them, and
 * where each dialog that was assigned before the crash is now.
 */
final class CrashScenario {

    private static final long NANO_ORIGIN = System.nanoTime();

    private static final long EPOCH_ORIGIN = System.currentTimeMillis();

    static long epochMs(long nanos) {
        return EPOCH_ORIGIN + (nanos - NANO_ORIGIN) / 1_000_000;
    }

    static long nanosOf(long epochMs) {
        return NANO_ORIGIN + (epochMs - EPOCH_ORIGIN) * 1_000_000;
    }

    /** The seqs one client has seen of one dialog. */
    static final class DialogView {

        private final BitSet seen = new BitSet();

        private long highest;

        synchronized boolean accept(long seq) {
            if (seq <= 0 || seq > Integer.MAX_VALUE) {
                return true;
            }
            if (seen.get((int) seq)) {
                return false;
            }
            seen.set((int) seq);
            highest = Math.max(highest, seq);
            return true;
        }

        synchronized long highest() {
            return highest;
        }

        /** seqs in 1..upTo this client never got */
        synchronized int missing(long upTo) {
            int missing = 0;
            for (int s = 1; s <= upTo; s++) {
                if (!seen.get(s)) {
                    missing++;
                }
            }
            return missing;
        }
    }

    /** Everything the clients share. */
    static final class Context {
        final Transport transport;
        final Tracker tracker;
        final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, daemon("reconnect"));
        final ExecutorService logins = Executors.newFixedThreadPool(4, daemon("login"));
        final Map<String, Agent> agentOf = new ConcurrentHashMap<>();
        volatile boolean stopping;
        final AtomicLong firstDropNanos = new AtomicLong();
        volatile Map<String, String> ownerAtCrash = Map.of();
        final LongAdder reconnectAttempts = new LongAdder();
        final LongAdder refusedHandshakes = new LongAdder();
        final LongAdder relogins = new LongAdder();
        final LongAdder resent = new LongAdder();
        final LongAdder seqDuplicatesDropped = new LongAdder();
        final LongAdder deliveredByReplay = new LongAdder();
        final LongAdder requeuedEvents = new LongAdder();
        final LongAdder resumeTimeouts = new LongAdder();
        final LongAdder retryableErrors = new LongAdder();
        final Map<String, String> welcomedBackTo = new ConcurrentHashMap<>();
        final AtomicLong firstUpgradeAfterDrop = new AtomicLong();
        final AtomicLong firstAckAfterDrop = new AtomicLong();
        /** dialogs followed after the crash by an agent other than the one who had them: dialogId → when */
        final Map<String, Long> movedAt = new ConcurrentHashMap<>();
        final int resumeTimeoutSeconds;
        volatile long reloginSpreadMs;
        final Set<Integer> absentAgents;
        /** told of every chat message delivered to the other side (ClusterScenario: which node took it) */
        volatile DeliveryListener deliveries = (clientMsgId, text, toAgent, receiverNode) -> { };

        Context(Transport transport, Tracker tracker, int resumeTimeoutSeconds, Set<Integer> absentAgents) {
            this.transport = transport;
            this.tracker = tracker;
            this.resumeTimeoutSeconds = resumeTimeoutSeconds;
            this.absentAgents = absentAgents;
        }

        void dropped(long now) {
            if (firstDropNanos.compareAndSet(0, now)) {
                Map<String, String> owners = new HashMap<>();
                agentOf.forEach((dialog, agent) -> owners.put(dialog, agent.login));
                ownerAtCrash = owners;
                IdleScenario.log("the server's sockets closed: " + owners.size() + " dialogs assigned and followed");
            }
        }
    }

    /** A chat message frame reached a client: the message's id, its text, its direction, the receiver's node. */
    interface DeliveryListener {
        void delivered(String clientMsgId, String text, boolean toAgent, String receiverNode);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A visitor or an agent: its current socket, its unacknowledged messages, its reconnection. */
    abstract static class Client {

        final Context ctx;

        volatile WsConn ws;

        /** the first close the generator did not ask for, and when everything was resumed after it */
        volatile long droppedNanos;

        volatile long reconnectedNanos;

        volatile long resumedNanos;

        volatile boolean replaying;

        /** the node of the socket that dropped first (ClusterScenario), or null */
        volatile String droppedFrom;

        final Map<String, DialogView> views = new ConcurrentHashMap<>();

        /** dialogId → clientMsgId → frame, in send order */
        private final Map<String, LinkedHashMap<String, String>> pending = new HashMap<>();

        Client(Context ctx) {
            this.ctx = ctx;
        }

        /** The node of the current socket, as the load balancer named it, or null. */
        String node() {
            WsConn conn = ws;
            return conn == null ? null : conn.node;
        }

        DialogView view(String dialogId) {
            return views.computeIfAbsent(dialogId, id -> new DialogView());
        }

        /** Sends a chat message in {@code dialogId} (sent again after a reconnection until acknowledged). */
        void say(String dialogId, String clientMsgId, String text) {
            send(dialogId, clientMsgId, "{\"type\":\"message\",\"dialogId\":\"" + dialogId + "\",\"clientMsgId\":\""
                    + clientMsgId + "\",\"text\":" + Json.quote(text) + "}");
        }

        /** The type of a frame, or null for one to ignore: from an earlier socket of this client, or without a type. */
        String typeOf(WsConn conn, JsonNode frame) {
            return conn == ws ? Json.text(frame, "type") : null;
        }

        void send(String dialogId, String clientMsgId, String frame) {
            synchronized (pending) {
                pending.computeIfAbsent(dialogId, id -> new LinkedHashMap<>()).put(clientMsgId, frame);
            }
            sendNow(frame);
        }

        /** On the current socket, if there is one (a message sent while there is none goes with the re-send). */
        void sendNow(String frame) {
            WsConn conn = ws;
            if (conn != null) {
                conn.send(frame);
            }
        }

        void acked(JsonNode frame) {
            String id = Json.text(frame, "clientMsgId");
            String dialogId = Json.text(frame, "dialogId");
            synchronized (pending) {
                Map<String, String> open = pending.get(dialogId);
                if (open != null) {
                    open.remove(id);
                }
            }
            long now = System.nanoTime();
            if (droppedNanos != 0) {
                ctx.firstAckAfterDrop.compareAndSet(0, now);
            }
            ctx.tracker.recordAck(id, frame.path("duplicate").asBoolean());
        }

        int pendingCount() {
            synchronized (pending) {
                return pending.values().stream().mapToInt(Map::size).sum();
            }
        }

        void resendPending(String dialogId, WsConn conn) {
            List<String> frames;
            synchronized (pending) {
                Map<String, String> open = pending.get(dialogId);
                frames = open == null ? List.of() : new ArrayList<>(open.values());
            }
            frames.forEach(conn::send);
            ctx.resent.add(frames.size());
        }

        /** A retryable error for a message: send it again (same clientMsgId) half a second later. */
        void error(JsonNode frame) {
            ctx.tracker.recordError(Json.text(frame, "code"));
            String ref = Json.text(frame, "ref");
            if (frame.path("retryable").asBoolean() && ref != null) {
                ctx.retryableErrors.increment();
                String again = null;
                synchronized (pending) {
                    for (Map<String, String> open : pending.values()) {
                        if (open.containsKey(ref)) {
                            again = open.get(ref);
                        }
                    }
                }
                if (again != null) {
                    String frameText = again;
                    ctx.scheduler.schedule(() -> sendNow(frameText), 500, TimeUnit.MILLISECONDS);
                }
            }
        }

        /** A delivered message frame: false when its seq was seen already (dropped, as the protocol says). */
        boolean fresh(JsonNode frame) {
            String dialogId = Json.text(frame, "dialogId");
            if (dialogId == null || !frame.has("seq")) {
                return true;
            }
            if (!view(dialogId).accept(frame.path("seq").asLong())) {
                ctx.seqDuplicatesDropped.increment();
                return false;
            }
            return true;
        }

        void watch(WsConn conn) {
            conn.closedFuture().thenRun(() -> onClosed(conn));
        }

        void onClosed(WsConn conn) {
            if (ctx.stopping || conn != ws) {
                return;
            }
            wentDown();
            long now = System.nanoTime();
            if (droppedNanos == 0) {
                droppedFrom = conn.node;
                droppedNanos = now;
                ctx.dropped(now);
            }
            if (!stayAway()) {
                scheduleReconnect(1);
            }
        }

        boolean stayAway() {
            return false;
        }

        abstract void wentDown();

        void scheduleReconnect(int attempt) {
            if (ctx.stopping) {
                return;
            }
            ctx.scheduler.schedule(() -> reconnect(attempt), backOffMillis(attempt), TimeUnit.MILLISECONDS);
        }

        /**
         * The widget's and the console's back-off (docs/protocol.md) for the {@code attempt}-th try (from 1):
         * 0.25, 0.5, 1, 2 s, then every 2 s up to the 30th try, then every 10 s, each ±25 %.
         */
        static long backOffMillis(int attempt) {
            int tried = attempt - 1;
            double nominal = Math.min(tried < 30 ? 2000 : 10000, 250 * Math.pow(2, Math.min(tried, 10)));
            return Math.round(nominal * (0.75 + ThreadLocalRandom.current().nextDouble() / 2));
        }

        abstract void reconnect(int attempt);

        /** After a reconnection: if the session is not resumed in time, drop this socket and try again. */
        void resumeWatchdog(WsConn conn, int attempt) {
            ctx.scheduler.schedule(() -> {
                if (conn == ws && !isResumed() && !ctx.stopping && !conn.isClosed()) {
                    ctx.resumeTimeouts.increment();
                    IdleScenario.log(this + ": not resumed " + ctx.resumeTimeoutSeconds + " s after reconnecting; again");
                    ws = null;
                    wentDown();
                    conn.close();
                    scheduleReconnect(attempt + 1);
                }
            }, ctx.resumeTimeoutSeconds, TimeUnit.SECONDS);
        }

        abstract boolean isResumed();

        void upgraded() {
            if (droppedNanos != 0 && reconnectedNanos == 0) {
                long now = System.nanoTime();
                reconnectedNanos = now;
                ctx.firstUpgradeAfterDrop.compareAndSet(0, now);
            }
        }

        void resumedNow() {
            if (droppedNanos != 0 && resumedNanos == 0) {
                resumedNanos = System.nanoTime();
            }
        }
    }

    /** The widget: hello (with its token once it has one), open or resume, chat. */
    static final class Visitor extends Client {

        final int index;

        volatile String token;

        volatile String dialogId;

        volatile boolean live;

        volatile boolean assigned;

        volatile String stateAfterRestart;

        final CompletableFuture<Void> ready = new CompletableFuture<>();

        Visitor(Context ctx, int index) {
            super(ctx);
            this.index = index;
        }

        @Override
        public String toString() {
            return "visitor " + index;
        }

        CompletableFuture<WsConn> connect() {
            WsConn conn = new WsConn();
            conn.onFrame(frame -> on(conn, frame));
            ws = conn;
            return conn.connect(ctx.transport.nextClient(), ctx.transport.wsBase + "/ws/visitor?site=applicant",
                    ctx.transport.origin, null).thenApply(c -> {
                        watch(c);
                        upgraded();
                        c.send(token == null ? "{\"type\":\"hello\"}"
                                : "{\"type\":\"hello\",\"token\":" + Json.quote(token) + "}");
                        return c;
                    });
        }

        @Override
        void wentDown() {
            live = false;
        }

        @Override
        boolean isResumed() {
            return live;
        }

        @Override
        void reconnect(int attempt) {
            ctx.reconnectAttempts.increment();
            connect().whenComplete((conn, error) -> {
                if (error != null) {
                    scheduleReconnect(attempt + 1);
                }
                else {
                    resumeWatchdog(conn, attempt);
                }
            });
        }


        private void on(WsConn conn, JsonNode frame) {
            String type = typeOf(conn, frame);
            if (type == null) {
                return;
            }
            switch (type) {
                case "welcome" -> {
                    token = Json.text(frame, "token");
                    if (dialogId == null) {
                        conn.send("{\"type\":\"open\"}");
                    }
                    else {
                        frame.path("dialogs").forEach(d -> {
                            if (dialogId.equals(Json.text(d, "dialogId"))) {
                                stateAfterRestart = Json.text(d, "state");
                            }
                        });
                        replaying = true;
                        conn.send("{\"type\":\"resume\",\"dialogId\":\"" + dialogId + "\",\"lastSeq\":"
                                + view(dialogId).highest() + "}");
                    }
                }
                case "opened" -> {
                    dialogId = frame.path("dialog").path("dialogId").asText();
                    if ("ASSIGNED".equals(frame.path("dialog").path("state").asText())) {
                        assigned = true;
                        ready.complete(null);
                    }
                    live = true;
                }
                case "resumed" -> {
                    replaying = false;
                    live = true;
                    resendPending(dialogId, conn);
                    resumedNow();
                }
                case "message" -> {
                    if (!fresh(frame)) {
                        return;
                    }
                    String from = Json.text(frame, "from");
                    if ("system".equals(from)) {
                        String event = Json.text(frame, "event");
                        if ("assigned".equals(event)) {
                            assigned = true;
                            ready.complete(null);
                        }
                        else if ("requeued".equals(event)) {
                            ctx.requeuedEvents.increment();
                        }
                    }
                    else if ("agent".equals(from)) {
                        if (replaying) {
                            ctx.deliveredByReplay.increment();
                        }
                        ctx.tracker.recordDelivery(Json.text(frame, "clientMsgId"), Json.text(frame, "text"), false, this);
                        ctx.deliveries.delivered(Json.text(frame, "clientMsgId"), Json.text(frame, "text"), false,
                                conn.node);
                    }
                }
                case "ack" -> acked(frame);
                case "error" -> {
                    error(frame);
                    if (token != null && dialogId != null && !live && frame.path("retryable").asBoolean()) {
                        // hello or resume refused while the server is not ready: try the whole thing again
                        ws = null;
                        conn.close();
                        scheduleReconnect(1);
                    }
                }
                default -> {
                    // queue, typing, pong
                }
            }
        }
    }

    /** The console: log in, open the socket, resume the dialogs of the welcome, go online, chat. */
    static final class Agent extends Client {

        final int index;

        final String login;

        final String password;

        volatile String cookie;

        volatile boolean needLogin;

        volatile boolean reloginDelayed;

        final Set<String> liveDialogs = ConcurrentHashMap.newKeySet();

        volatile Set<String> expected;

        final CompletableFuture<Void> online = new CompletableFuture<>();

        Agent(Context ctx, int index, String login) {
            super(ctx);
            this.index = index;
            this.login = login;
            this.password = "pw-" + login;
        }

        @Override
        public String toString() {
            return "agent " + login;
        }

        CompletableFuture<WsConn> connect() {
            WsConn conn = new WsConn();
            conn.onFrame(frame -> on(conn, frame));
            ws = conn;
            return conn.connect(ctx.transport.nextClient(), ctx.transport.wsBase + "/ws/agent", ctx.transport.origin,
                    cookie).thenApply(c -> {
                        watch(c);
                        upgraded();
                        return c;
                    });
        }

        @Override
        boolean stayAway() {
            return ctx.absentAgents.contains(index);
        }

        @Override
        void wentDown() {
            liveDialogs.clear();
            expected = null;
        }

        @Override
        boolean isResumed() {
            Set<String> exp = expected;
            return exp != null && liveDialogs.containsAll(exp);
        }

        @Override
        void reconnect(int attempt) {
            ctx.reconnectAttempts.increment();
            if (needLogin) {
                ctx.logins.execute(() -> {
                    try {
                        cookie = ctx.transport.login(login, password);
                        ctx.relogins.increment();
                        needLogin = false;
                    }
                    catch (RuntimeException ex) {
                        scheduleReconnect(attempt + 1);
                        return;
                    }
                    reconnectNow(attempt);
                });
            }
            else {
                reconnectNow(attempt);
            }
        }

        private void reconnectNow(int attempt) {
            connect().whenComplete((conn, error) -> {
                if (error != null) {
                    String text = String.valueOf(error);
                    if (text.contains("401") || text.contains("403")) {
                        // the session is gone with the old process: log in again
                        ctx.refusedHandshakes.increment();
                        needLogin = true;
                        if (ctx.reloginSpreadMs > 0 && !reloginDelayed) {
                            // a person types the password again: somewhere within the spread
                            reloginDelayed = true;
                            long delay = ThreadLocalRandom.current().nextLong(ctx.reloginSpreadMs);
                            ctx.scheduler.schedule(() -> reconnect(attempt + 1), delay, TimeUnit.MILLISECONDS);
                            return;
                        }
                    }
                    scheduleReconnect(attempt + 1);
                }
                else {
                    resumeWatchdog(conn, attempt);
                }
            });
        }

        private void follow(WsConn conn, String id) {
            replaying = true;
            conn.send("{\"type\":\"resume\",\"dialogId\":\"" + id + "\",\"lastSeq\":" + view(id).highest() + "}");
        }

        private void on(WsConn conn, JsonNode frame) {
            String type = typeOf(conn, frame);
            if (type == null) {
                return;
            }
            switch (type) {
                case "welcome" -> {
                    Set<String> exp = new HashSet<>();
                    frame.path("dialogs").forEach(d -> {
                        String id = Json.text(d, "dialogId");
                        if (id != null && "ASSIGNED".equals(Json.text(d, "state"))) {
                            exp.add(id);
                            if (droppedNanos != 0) {
                                ctx.welcomedBackTo.put(id, login);
                            }
                        }
                    });
                    expected = exp;
                    exp.forEach(id -> follow(conn, id));
                    conn.send("{\"type\":\"presence\",\"status\":\"ONLINE\"}");
                    if (exp.isEmpty()) {
                        resumedNow();
                    }
                }
                case "presence" -> online.complete(null);
                case "dialog" -> {
                    JsonNode d = frame.path("dialog");
                    String id = Json.text(d, "dialogId");
                    if (id != null && "ASSIGNED".equals(Json.text(d, "state")) && !liveDialogs.contains(id)) {
                        follow(conn, id);
                    }
                }
                case "resumed" -> {
                    String id = Json.text(frame, "dialogId");
                    liveDialogs.add(id);
                    ctx.agentOf.put(id, this);
                    String before = ctx.ownerAtCrash.get(id);
                    if (before != null && !before.equals(login)) {
                        ctx.movedAt.putIfAbsent(id, System.nanoTime());
                    }
                    resendPending(id, conn);
                    if (isResumed()) {
                        replaying = false;
                        resumedNow();
                    }
                }
                case "message" -> {
                    if (!fresh(frame)) {
                        return;
                    }
                    if ("visitor".equals(Json.text(frame, "from"))) {
                        if (replaying) {
                            ctx.deliveredByReplay.increment();
                        }
                        ctx.tracker.recordDelivery(Json.text(frame, "clientMsgId"), Json.text(frame, "text"), true, this);
                        ctx.deliveries.delivered(Json.text(frame, "clientMsgId"), Json.text(frame, "text"), true,
                                conn.node);
                    }
                }
                case "ack" -> acked(frame);
                case "error" -> error(frame);
                default -> {
                    // offer, typing, pong
                }
            }
        }
    }

    static Map<String, Object> run(Args args) throws Exception {
        String url = args.required("url");
        int visitorsCount = args.integer("visitors", 1000);
        int agentsCount = args.integer("agents", 100);
        int maxDialogs = args.integer("max-dialogs", Math.max(1, (visitorsCount + agentsCount - 1) / agentsCount + 2));
        double rate = args.dbl("rate", 1000);
        int loadSeconds = args.integer("load", 60);
        int absent = args.integer("absent-agents", 0);
        String admin = args.str("admin", "admin:bench-admin-pw");
        String jdbc = args.required("db");
        Path restartFile = Path.of(args.required("restart-file"));
        String marker = args.str("load-marker", null);
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        Transport transport = new Transport(url, args.integer("sources", 4), args.integer("threads", 2));
        Tracker tracker = new Tracker();
        Set<Integer> absentAgents = new HashSet<>();
        for (int i = 0; i < absent; i++) {
            absentAgents.add(agentsCount - 1 - i);
        }
        Context ctx = new Context(transport, tracker, args.integer("resume-timeout", 20), absentAgents);
        ctx.reloginSpreadMs = args.longValue("relogin-spread-ms", 0);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "crash");
        result.put("target", args.str("label", "gateway"));
        result.put("visitors", visitorsCount);
        result.put("agents", agentsCount);
        result.put("max_dialogs", maxDialogs);
        result.put("rate_target", rate);
        result.put("load_s", loadSeconds);
        result.put("absent_agents", absent);
        result.put("relogin_spread_ms", ctx.reloginSpreadMs);

        Setup setup = setUp(ctx, transport, admin, "crash" + tag, agentsCount, visitorsCount, maxDialogs,
                args.integer("concurrency", 100), result);
        List<Agent> agents = setup.agents();
        List<Visitor> visitors = setup.visitors();
        List<Visitor> pairs = setup.pairs();

        Load load = load(ctx, pairs, rate, loadSeconds, "c" + tag, marker, result);
        long start = load.start();

        // recovery: every session resumed, every message acknowledged and delivered, the script's restart times
        long recoveryDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(args.integer("recovery-timeout", 120));
        List<Client> everyone = new ArrayList<>();
        everyone.addAll(visitors);
        everyone.addAll(agents);
        while (System.nanoTime() < recoveryDeadline) {
            boolean restartKnown = Files.exists(restartFile);
            long notResumed = everyone.stream().filter(c -> c.droppedNanos != 0 && c.resumedNanos == 0
                    && !(c instanceof Agent a && a.stayAway())).count();
            long pendingMessages = everyone.stream().filter(c -> !(c instanceof Agent a && a.stayAway()))
                    .mapToLong(Client::pendingCount).sum();
            long undelivered = tracker.sent.values().stream()
                    .filter(m -> m.acks.get() > 0 && m.peerDeliveries.get() == 0).count();
            long unowned = absent == 0 ? 0 : pairs.stream().filter(v -> {
                Agent a = ctx.agentOf.get(v.dialogId);
                return a == null || a.stayAway() || !a.liveDialogs.contains(v.dialogId);
            }).count();
            if (restartKnown && ctx.firstDropNanos.get() != 0 && notResumed == 0 && pendingMessages == 0
                    && undelivered == 0 && unowned == 0) {
                break;
            }
            Thread.sleep(200);
        }
        if (!Files.exists(restartFile)) {
            throw new IllegalStateException("no restart file " + restartFile + ": the server was not restarted");
        }
        Map<String, Long> restart = new HashMap<>();
        for (String line : Files.readAllLines(restartFile)) {
            String[] kv = line.split("=", 2);
            if (kv.length == 2) {
                restart.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
            }
        }
        long killMs = restart.get("kill_ms");
        long startMs = restart.get("start_ms");
        long readyMs = restart.get("ready_ms");
        result.put("kill_after_load_start_s", (killMs - epochMs(start)) / 1000.0);
        result.put("restart_start_after_kill_ms", startMs - killMs);
        result.put("ready_after_start_ms", readyMs - startMs);
        long firstDrop = ctx.firstDropNanos.get();
        result.put("first_socket_drop_after_kill_ms", firstDrop == 0 ? null : epochMs(firstDrop) - killMs);
        long firstUpgrade = ctx.firstUpgradeAfterDrop.get();
        result.put("first_reconnect_after_start_ms", firstUpgrade == 0 ? null : epochMs(firstUpgrade) - startMs);
        long firstAck = ctx.firstAckAfterDrop.get();
        result.put("first_ack_after_start_ms", firstAck == 0 ? null : epochMs(firstAck) - startMs);
        // recovery times per session
        Map<String, Object> recovery = new LinkedHashMap<>();
        recovery.put("visitors", recovery(visitors, startMs, readyMs));
        recovery.put("agents", recovery(agents.stream().filter(a -> !a.stayAway()).toList(), startMs, readyMs));
        recovery.put("all", recovery(everyone.stream().filter(c -> !(c instanceof Agent a && a.stayAway())).toList(),
                startMs, readyMs));
        result.put("recovery", recovery);

        // messages
        long killNanos = nanosOf(killMs);
        long ackedBeforeKill = 0;
        long sentBeforeKillUnacked = 0;
        Set<String> absentDialogs = new HashSet<>();
        ctx.ownerAtCrash.forEach((dialog, login) -> agents.stream()
                .filter(a -> a.login.equals(login) && a.stayAway()).forEach(a -> absentDialogs.add(dialog)));
        for (Tracker.Sent m : tracker.sent.values()) {
            int acks = m.acks.get();
            if (m.sentNanos < killNanos && (acks == 0 || m.firstAckNanos >= killNanos)) {
                sentBeforeKillUnacked++;
            }
            if (acks > 0 && m.firstAckNanos < killNanos) {
                ackedBeforeKill++;
            }
        }
        // an agent who never comes back cannot have their last messages acknowledged: not a fault
        Tracker.Tally tally = tracker.tally(m -> "AGENT".equals(m.sender) && absentDialogs.contains(m.dialogId));
        Map<String, Object> check = ChatScenario.deliveryCheck(tracker, tally);
        check.put("acked_before_kill", ackedBeforeKill);
        check.put("sent_before_kill_not_acked_before_it", sentBeforeKillUnacked);
        check.put("not_acked_absent_agents", tally.unackedExcused());
        check.putAll(resumeCheck(ctx));
        check.putAll(ChatScenario.storeCheck(jdbc, tracker));
        check.putAll(clientGaps(jdbc, everyone));
        result.put("check", check);

        // dialogs that were assigned when the server died
        Map<String, Object> dialogs = dialogCheck(jdbc, ctx, agents);
        List<Long> moved = ctx.movedAt.values().stream().map(n -> epochMs(n) - readyMs).sorted().toList();
        dialogs.put("followed_by_another_agent", moved.size());
        dialogs.put("followed_by_another_agent_after_ready_p50_ms", percentile(moved, 50));
        dialogs.put("followed_by_another_agent_after_ready_max_ms", moved.isEmpty() ? null : moved.get(moved.size() - 1));
        result.put("dialogs", dialogs);

        Map<String, Object> clients = clientCounters(ctx);
        result.put("clients", clients);
        Map<String, Long> errors = tracker.errorCounts();
        result.put("errors", errors);
        result.put("visitor_to_agent", Tracker.summary(tracker.visitorToAgent));
        result.put("agent_to_visitor", Tracker.summary(tracker.agentToVisitor));
        IdleScenario.log("recovery " + recovery);
        IdleScenario.log("check " + check);
        IdleScenario.log("dialogs " + result.get("dialogs") + " clients " + clients + " errors " + errors);
        stop(ctx, everyone);
        return result;
    }

    /** What the open-loop load did: when it started, messages typed and skipped, and per second "s:sent/skipped". */
    record Load(long start, long sent, long skipped, String perSecond) {
    }

    /**
     * The load of the crash and several-nodes drills: an open loop at {@code rate} messages a second for
     * {@code seconds}, each pair's visitor and agent writing in turn. A message whose sender (or its peer) is not
     * connected and resumed is not typed but counted as skipped. Writes the start to {@code marker} (when given) for
     * the drill's script, and the figures into {@code result}.
     */
    static Load load(Context ctx, List<Visitor> pairs, double rate, int seconds, String idPrefix, String marker,
            Map<String, Object> result) throws java.io.IOException {
        Tracker tracker = ctx.tracker;
        long start = System.nanoTime();
        if (marker != null) {
            Files.writeString(Path.of(marker), Long.toString(epochMs(start)));
        }
        result.put("load_start_ms", epochMs(start));
        tracker.windowStart = start;
        tracker.windowEnd = start + TimeUnit.SECONDS.toNanos(seconds);
        long sent = 0;
        long skipped = 0;
        long round = 0;
        int p = pairs.size();
        IdleScenario.log(String.format("load: %.0f msg/s for %d s", rate, seconds));
        StringBuilder perSecond = new StringBuilder();
        long lastSecond = 0;
        long sentThisSecond = 0;
        long skippedThisSecond = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= tracker.windowEnd) {
                break;
            }
            long due = (long) ((now - start) * rate / 1e9);
            while (round < due) {
                Visitor v = pairs.get((int) (round % p));
                boolean fromVisitor = (round / p) % 2 == 0;
                round++;
                Agent agent = ctx.agentOf.get(v.dialogId);
                if (!v.live || agent == null || !agent.liveDialogs.contains(v.dialogId)) {
                    skipped++;
                    skippedThisSecond++;
                    continue;
                }
                String id = idPrefix + "-" + sent;
                long stamp = System.nanoTime();
                String text = "bench " + stamp + ChatScenario.TEXT;
                tracker.recordSent(id, v.dialogId, fromVisitor ? "VISITOR" : "AGENT", stamp);
                tracker.sent.get(id).senderNode = fromVisitor ? v.node() : agent.node();
                if (fromVisitor) {
                    v.say(v.dialogId, id, text);
                }
                else {
                    agent.say(v.dialogId, id, text);
                }
                sent++;
                sentThisSecond++;
            }
            long second = (now - start) / 1_000_000_000L;
            if (second != lastSecond) {
                perSecond.append(perSecond.length() == 0 ? "" : " ").append(lastSecond).append(':')
                        .append(sentThisSecond).append('/').append(skippedThisSecond);
                lastSecond = second;
                sentThisSecond = 0;
                skippedThisSecond = 0;
            }
            LockSupport.parkNanos(1_000_000);
        }
        IdleScenario.log(String.format("load over: %d sent, %d skipped (sender or peer not connected)", sent, skipped));
        result.put("sent_total", sent);
        result.put("skipped_while_down", skipped);
        result.put("per_second_sent_skipped", perSecond.toString());
        return new Load(start, sent, skipped, perSecond.toString());
    }

    /** What the clients' resume did for the messages: re-sent after a reconnect, replayed, duplicates dropped. */
    static Map<String, Object> resumeCheck(Context ctx) {
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("resent_after_reconnect", ctx.resent.sum());
        check.put("delivered_by_resume_replay", ctx.deliveredByReplay.sum());
        check.put("seq_duplicates_dropped_by_clients", ctx.seqDuplicatesDropped.sum());
        return check;
    }

    /** How hard the clients had to work to stay connected. */
    static Map<String, Object> clientCounters(Context ctx) {
        Map<String, Object> clients = new LinkedHashMap<>();
        clients.put("reconnect_attempts", ctx.reconnectAttempts.sum());
        clients.put("agent_handshakes_refused_401", ctx.refusedHandshakes.sum());
        clients.put("agent_relogins", ctx.relogins.sum());
        clients.put("resume_timeouts", ctx.resumeTimeouts.sum());
        clients.put("retryable_errors", ctx.retryableErrors.sum());
        clients.put("requeued_events_seen_by_visitors", ctx.requeuedEvents.sum());
        return clients;
    }

    /** Ends the drill: the clients no longer reconnect, and every socket is closed. */
    static void stop(Context ctx, List<Client> everyone) {
        ctx.stopping = true;
        everyone.forEach(c -> {
            WsConn conn = c.ws;
            if (conn != null) {
                conn.close();
            }
        });
    }

    /** The agents and visitors, each pair's dialog assigned and followed. */
    record Setup(List<Agent> agents, List<Visitor> visitors, List<Visitor> pairs) {
    }

    /** Creates and logs in the agents, brings them online, opens the visitors' dialogs and waits for them. */
    static Setup setUp(Context ctx, Transport transport, String admin, String loginPrefix, int agentsCount,
            int visitorsCount, int maxDialogs, int concurrency, Map<String, Object> result) throws Exception {
        // agents: create, log in, connect, go online
        List<Agent> agents = new ArrayList<>();
        for (int i = 0; i < agentsCount; i++) {
            agents.add(new Agent(ctx, i, loginPrefix + "a" + i));
        }
        long t0 = System.nanoTime();
        ExecutorService rest = Executors.newFixedThreadPool(4);
        List<Future<String>> cookies = new ArrayList<>();
        for (Agent agent : agents) {
            cookies.add(rest.submit(() -> {
                // through a load balancer a request may meet a node that is busy or going: try again (a 409 after
                // a lost answer means the first try created the agent)
                for (int attempt = 1; ; attempt++) {
                    try {
                        int status = transport.createAgent(admin, agent.login, "Агент " + agent.index, agent.password,
                                "applicant-recruitment", maxDialogs);
                        if (status != 201 && !(status == 409 && attempt > 1)) {
                            throw new IllegalStateException("could not create " + agent.login + ": " + status);
                        }
                        return transport.login(agent.login, agent.password);
                    }
                    catch (RuntimeException ex) {
                        if (attempt == 5) {
                            throw ex;
                        }
                        Thread.sleep(1000L * attempt);
                    }
                }
            }));
        }
        List<CompletableFuture<Void>> online = new ArrayList<>();
        for (int i = 0; i < agents.size(); i++) {
            Agent agent = agents.get(i);
            agent.cookie = cookies.get(i).get(120, TimeUnit.SECONDS);
            online.add(agent.connect().thenCompose(ws -> agent.online));
        }
        rest.shutdown();
        CompletableFuture.allOf(online.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        IdleScenario.log(String.format("%d agents online in %.1fs", agents.size(), (System.nanoTime() - t0) / 1e9));

        // visitors: connect, hello, open, wait for the assignment and the agent's resume
        List<Visitor> visitors = new ArrayList<>();
        for (int i = 0; i < visitorsCount; i++) {
            visitors.add(new Visitor(ctx, i));
        }
        long t1 = System.nanoTime();
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(concurrency);
        for (Visitor v : visitors) {
            permits.acquire();
            v.connect().thenCompose(ws -> v.ready).orTimeout(60, TimeUnit.SECONDS)
                    .whenComplete((ok, error) -> permits.release());
        }
        long readyDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < readyDeadline && ready(visitors, ctx) < visitorsCount) {
            Thread.sleep(100);
        }
        List<Visitor> pairs = visitors.stream().filter(v -> v.dialogId != null && ctx.agentOf.containsKey(v.dialogId))
                .toList();
        double setupSeconds = (System.nanoTime() - t1) / 1e9;
        IdleScenario.log(String.format("%d of %d dialogs assigned and followed in %.1fs", pairs.size(), visitorsCount,
                setupSeconds));
        result.put("dialogs_ready", pairs.size());
        result.put("setup_seconds", setupSeconds);
        if (pairs.isEmpty()) {
            throw new IllegalStateException("no dialog is ready for chat");
        }

        return new Setup(agents, visitors, pairs);
    }

    static int ready(List<Visitor> visitors, Context ctx) {
        int ready = 0;
        for (Visitor v : visitors) {
            if (v.assigned && v.dialogId != null && ctx.agentOf.containsKey(v.dialogId)) {
                ready++;
            }
        }
        return ready;
    }

    /** Of the sessions that lost their socket: when each was resumed, from the new process's start and readiness. */
    private static Map<String, Object> recovery(List<? extends Client> clients, long startMs, long readyMs) {
        List<Long> fromStart = new ArrayList<>();
        List<Long> fromReady = new ArrayList<>();
        int dropped = 0;
        int notResumed = 0;
        for (Client c : clients) {
            if (c.droppedNanos == 0) {
                continue;
            }
            dropped++;
            if (c.resumedNanos == 0) {
                notResumed++;
                continue;
            }
            long at = epochMs(c.resumedNanos);
            fromStart.add(at - startMs);
            fromReady.add(at - readyMs);
        }
        fromStart.sort(null);
        fromReady.sort(null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sessions", clients.size());
        out.put("dropped", dropped);
        out.put("not_resumed", notResumed);
        out.put("from_start_p50_ms", percentile(fromStart, 50));
        out.put("from_start_p95_ms", percentile(fromStart, 95));
        out.put("from_start_max_ms", fromStart.isEmpty() ? null : fromStart.get(fromStart.size() - 1));
        out.put("from_ready_p50_ms", percentile(fromReady, 50));
        out.put("from_ready_p95_ms", percentile(fromReady, 95));
        out.put("from_ready_max_ms", fromReady.isEmpty() ? null : fromReady.get(fromReady.size() - 1));
        long within10 = fromStart.stream().filter(ms -> ms <= 10_000).count();
        out.put("share_within_10s_of_start", dropped == 0 ? null : within10 / (double) dropped);
        long within10Ready = fromReady.stream().filter(ms -> ms <= 10_000).count();
        out.put("share_within_10s_of_ready", dropped == 0 ? null : within10Ready / (double) dropped);
        // from the socket's successful reconnection to the resumed session (the server's part of the wait)
        List<Long> afterUpgrade = new ArrayList<>();
        List<Long> upgrades = new ArrayList<>();
        for (Client c : clients) {
            if (c.droppedNanos != 0 && c.reconnectedNanos != 0) {
                upgrades.add(epochMs(c.reconnectedNanos) - startMs);
                if (c.resumedNanos != 0) {
                    afterUpgrade.add((c.resumedNanos - c.reconnectedNanos) / 1_000_000);
                }
            }
        }
        afterUpgrade.sort(null);
        upgrades.sort(null);
        out.put("reconnected_from_start_p50_ms", percentile(upgrades, 50));
        out.put("reconnected_from_start_p95_ms", percentile(upgrades, 95));
        out.put("reconnected_to_resumed_p50_ms", percentile(afterUpgrade, 50));
        out.put("reconnected_to_resumed_p95_ms", percentile(afterUpgrade, 95));
        out.put("reconnected_to_resumed_max_ms", afterUpgrade.isEmpty() ? null : afterUpgrade.get(afterUpgrade.size() - 1));
        // resumed sessions per second after the new process's start: "second:count"
        Map<Long, Integer> perSecond = new java.util.TreeMap<>();
        fromStart.forEach(ms -> perSecond.merge(Math.floorDiv(ms, 1000L), 1, Integer::sum));
        StringBuilder timeline = new StringBuilder();
        perSecond.forEach((sec, n) -> timeline.append(timeline.length() == 0 ? "" : " ").append(sec).append(':').append(n));
        out.put("resumed_per_second_from_start", timeline.toString());
        return out;
    }

    static Long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** seqs of a dialog (1..last_seq in PostgreSQL) that a client following it never received. */
    static Map<String, Object> clientGaps(String jdbc, List<Client> clients) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Long> lastSeq = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id::text, last_seq FROM dialog")) {
            while (rs.next()) {
                lastSeq.put(rs.getString(1), rs.getLong(2));
            }
        }
        catch (SQLException ex) {
            out.put("client_gap_error", ex.getMessage());
            return out;
        }
        long views = 0;
        long viewsWithGaps = 0;
        long missing = 0;
        for (Client client : clients) {
            if (client instanceof Agent a && a.stayAway()) {
                continue;
            }
            for (Map.Entry<String, DialogView> e : client.views.entrySet()) {
                Long last = lastSeq.get(e.getKey());
                if (last == null) {
                    continue;
                }
                if (client instanceof Agent a && !a.liveDialogs.contains(e.getKey())) {
                    continue;
                }
                views++;
                int m = e.getValue().missing(last);
                if (m > 0) {
                    viewsWithGaps++;
                    missing += m;
                }
            }
        }
        out.put("client_dialog_views", views);
        out.put("client_views_with_missing_seqs", viewsWithGaps);
        out.put("client_missing_seqs", missing);
        return out;
    }

    /** Where each dialog that was assigned and followed when the server died is now, in PostgreSQL. */
    static Map<String, Object> dialogCheck(String jdbc, Context ctx, List<Agent> agents) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, String> before = ctx.ownerAtCrash;
        Set<String> absentLogins = new HashSet<>();
        agents.stream().filter(Agent::stayAway).forEach(a -> absentLogins.add(a.login));
        Map<String, Agent> byLogin = new HashMap<>();
        agents.forEach(a -> byLogin.put(a.login, a));
        int sameAgent = 0;
        int otherAgent = 0;
        int waiting = 0;
        int closed = 0;
        int unknown = 0;
        int ownerNotFollowing = 0;
        int welcomedBack = 0;
        int absentMovedToPresent = 0;
        int absentStillWithAbsent = 0;
        Map<String, String[]> now = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT d.id::text, d.state, a.login FROM dialog d "
                        + "LEFT JOIN agent a ON a.id = d.agent_id")) {
            while (rs.next()) {
                now.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
            }
        }
        catch (SQLException ex) {
            out.put("error", ex.getMessage());
            return out;
        }
        for (Map.Entry<String, String> e : before.entrySet()) {
            String[] row = now.get(e.getKey());
            if (row == null) {
                unknown++;
                continue;
            }
            if (e.getValue().equals(ctx.welcomedBackTo.get(e.getKey()))) {
                welcomedBack++;
            }
            switch (row[0]) {
                case "ASSIGNED" -> {
                    if (e.getValue().equals(row[1])) {
                        sameAgent++;
                    }
                    else {
                        otherAgent++;
                    }
                    if (absentLogins.contains(e.getValue())) {
                        if (absentLogins.contains(row[1])) {
                            absentStillWithAbsent++;
                        }
                        else {
                            absentMovedToPresent++;
                        }
                    }
                    Agent owner = byLogin.get(row[1]);
                    if (owner == null || owner.stayAway() || !owner.liveDialogs.contains(e.getKey())) {
                        ownerNotFollowing++;
                    }
                }
                case "WAITING" -> waiting++;
                default -> closed++;
            }
        }
        out.put("assigned_at_crash", before.size());
        out.put("still_assigned_same_agent", sameAgent);
        out.put("assigned_to_another_agent", otherAgent);
        out.put("waiting", waiting);
        out.put("closed", closed);
        out.put("missing", unknown);
        out.put("in_owners_welcome_after_restart", welcomedBack);
        out.put("assigned_but_owner_not_following", ownerNotFollowing);
        if (!absentLogins.isEmpty()) {
            out.put("of_absent_agents_now_with_present_agent", absentMovedToPresent);
            out.put("of_absent_agents_still_with_absent_agent", absentStillWithAbsent);
        }
        return out;
    }
}
