package ru.rosdistant.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * V visitors and A agents converse at a total open-loop rate R msg/s: message i goes to dialog
 * i mod D, sent by the visitor on even rounds and by the agent on odd ones. Latencies are measured
 * end to end (send → the other side's message frame, the send time carried in the text), and at the end
 * what was acknowledged is compared with what PostgreSQL holds.
 */
final class ChatScenario {

    static final String TEXT = " Здравствуйте! Подскажите, пожалуйста, сроки подачи документов на заочное.";

    private record Pair(String dialogId, VisitorClient visitor, AgentClient agent) {
    }

    static Map<String, Object> run(Args args) throws Exception {
        String url = args.required("url");
        long pid = args.longValue("pid", -1);
        int visitorsCount = args.integer("visitors", 1000);
        int agentsCount = args.integer("agents", 100);
        int maxDialogs = args.integer("max-dialogs", Math.max(1, (visitorsCount + agentsCount - 1) / agentsCount + 2));
        double rate = args.dbl("rate", 1000);
        int warmup = args.integer("warmup", 10);
        int duration = args.integer("duration", 30);
        String admin = args.str("admin", "admin:bench-admin-pw");
        String jdbc = args.str("db", null);
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        Transport transport = new Transport(url, args.integer("sources", 4), args.integer("threads", 2));
        Tracker tracker = new Tracker();

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "chat");
        result.put("target", args.str("label", "gateway"));
        result.put("visitors", visitorsCount);
        result.put("agents", agentsCount);
        result.put("max_dialogs", maxDialogs);
        result.put("rate_target", rate);
        result.put("warmup_s", warmup);
        result.put("duration_s", duration);

        // agents: create, log in, connect, go online
        Map<String, AgentClient> agentOf = new ConcurrentHashMap<>();
        List<AgentClient> agents = new ArrayList<>();
        for (int i = 0; i < agentsCount; i++) {
            agents.add(new AgentClient(i, "bench" + tag + "a" + i, tracker, (dialogId, agent) -> agentOf.put(dialogId, agent)));
        }
        long t0 = System.nanoTime();
        ExecutorService rest = Executors.newFixedThreadPool(args.integer("rest-concurrency", 4));
        List<Future<String>> cookies = new ArrayList<>();
        for (AgentClient agent : agents) {
            cookies.add(rest.submit(() -> {
                int status = transport.createAgent(admin, agent.login, "Агент " + agent.index, "pw-" + agent.login,
                        "applicant-recruitment", maxDialogs);
                if (status != 201) {
                    throw new IllegalStateException("could not create " + agent.login + ": " + status);
                }
                return transport.login(agent.login, "pw-" + agent.login);
            }));
        }
        List<CompletableFuture<Void>> online = new ArrayList<>();
        for (int i = 0; i < agents.size(); i++) {
            AgentClient agent = agents.get(i);
            String cookie = cookies.get(i).get(120, TimeUnit.SECONDS);
            online.add(agent.ws.connect(transport.nextClient(), transport.wsBase + "/ws/agent", transport.origin, cookie)
                    .thenCompose(ws -> agent.welcomed)
                    .thenCompose(x -> {
                        agent.goOnline();
                        return agent.online;
                    }));
        }
        rest.shutdown();
        CompletableFuture.allOf(online.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        IdleScenario.log(String.format("%d agents online in %.1fs", agents.size(), (System.nanoTime() - t0) / 1e9));

        // visitors: connect, hello, open, wait for the assignment and the agent's resume
        List<VisitorClient> visitors = new ArrayList<>();
        for (int i = 0; i < visitorsCount; i++) {
            visitors.add(new VisitorClient(i, tracker));
        }
        long t1 = System.nanoTime();
        int failed = IdleScenario.bounded(visitors, args.integer("concurrency", 100), args.integer("setup-timeout", 30), v -> v.ws
                .connect(transport.nextClient(), transport.wsBase + "/ws/visitor?site=applicant", transport.origin, null)
                .thenCompose(ws -> {
                    v.hello();
                    return v.welcomed;
                })
                .thenCompose(x -> {
                    v.open();
                    return v.opened;
                })
                .thenCompose(id -> v.assigned));
        long readyDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < readyDeadline && countReady(visitors, agentOf) < visitorsCount - failed) {
            Thread.sleep(100);
        }
        List<Pair> pairs = new ArrayList<>();
        for (VisitorClient v : visitors) {
            AgentClient agent = v.dialogId == null ? null : agentOf.get(v.dialogId);
            if (agent != null && v.assigned.isDone() && !v.ws.isClosed()) {
                pairs.add(new Pair(v.dialogId, v, agent));
            }
        }
        double setupSeconds = (System.nanoTime() - t1) / 1e9;
        IdleScenario.log(String.format("%d of %d dialogs assigned and followed in %.1fs (%d visitors failed)",
                pairs.size(), visitorsCount, setupSeconds, failed));
        result.put("dialogs_ready", pairs.size());
        result.put("visitor_setup_failures", failed);
        result.put("setup_seconds", setupSeconds);
        if (pairs.isEmpty()) {
            throw new IllegalStateException("no dialog is ready for chat");
        }

        // traffic: open loop at the target rate
        int p = pairs.size();
        measure(args, result, tracker, pid, jdbc, tag, (n, id, text, stamp) -> {
            Pair pair = pairs.get((int) (n % p));
            boolean fromVisitor = (n / p) % 2 == 0;
            tracker.recordSent(id, pair.dialogId, fromVisitor ? "VISITOR" : "AGENT", stamp);
            if (fromVisitor) {
                pair.visitor.say(id, text);
            }
            else {
                pair.agent.say(pair.dialogId, id, text);
            }
        });

        // correctness: acknowledged vs delivered vs stored
        check(result, tracker, jdbc == null ? Map.of() : storeCheck(jdbc, tracker));
        agents.forEach(a -> a.ws.close());
        visitors.forEach(v -> v.ws.close());
        return result;
    }

    /** Acknowledged vs delivered (from the tracker) and what the store says, into {@code result.check}. */
    static void check(Map<String, Object> result, Tracker tracker, Map<String, Object> store) {
        Map<String, Object> check = deliveryCheck(tracker, tracker.tally(message -> false));
        check.putAll(store);
        result.put("check", check);
        Map<String, Long> errors = tracker.errorCounts();
        result.put("errors", errors);
        IdleScenario.log("check " + check + " errors " + errors);
    }

    /** Acknowledged vs delivered, from the tracker and its tally: the check every chat scenario reports. */
    static Map<String, Object> deliveryCheck(Tracker tracker, Tracker.Tally tally) {
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("sent", tracker.sent.size());
        check.put("acked", tally.acked());
        check.put("not_acked", tally.unacked());
        check.put("acked_more_than_once", tally.ackedMoreThanOnce());
        check.put("acked_as_duplicate", tally.ackedAsDuplicate());
        check.put("acked_not_delivered_to_peer", tally.notDelivered());
        check.put("delivered_to_peer_more_than_once", tally.deliveredTwice());
        check.put("delivered_also_to_another_agent", tally.deliveredToAnother());
        check.put("unknown_acks", tracker.unknownAcks.sum());
        check.put("unknown_deliveries", tracker.unknownDeliveries.sum());
        return check;
    }

    /** Sends message number n (its id, its text carrying the send time); records it with the tracker first. */
    interface Sender {
        void send(long n, String clientMsgId, String text, long stampNanos);
    }

    /**
     * The open loop at the target rate and the figures of the measurement window: rate, latencies, CPU of the
     * server and of PostgreSQL, the database's counters per message; then waits for what is outstanding.
     */
    static void measure(Args args, Map<String, Object> result, Tracker tracker, long pid, String jdbc, String tag,
            Sender sender) throws InterruptedException {
        double rate = args.dbl("rate", 1000);
        int warmup = args.integer("warmup", 10);
        int duration = args.integer("duration", 30);
        String pgCluster = args.str("pg-cluster", "15/main");
        result.put("loadavg_start", IdleScenario.loadavg());
        String pgProxy = args.str("pg-proxy", null);
        String jfr = args.str("jfr", null);
        Map<String, Long> db0 = jdbc == null ? Map.of() : dbCounters(jdbc);
        Map<String, Long> proxy0 = Map.of();
        long start = System.nanoTime();
        tracker.windowStart = start + TimeUnit.SECONDS.toNanos(warmup);
        tracker.windowEnd = tracker.windowStart + TimeUnit.SECONDS.toNanos(duration);
        long cpuStart = -1;
        long pgStart = -1;
        boolean windowOpen = false;
        long sent = 0;
        long lastLoop = System.nanoTime();
        List<String> generatorStalls = new ArrayList<>();
        // the messages acknowledged while the JFR recording ran (its exact allocation divided by these: per message)
        long[] jfrAcks = {-1};
        while (true) {
            long now = System.nanoTime();
            if (now - lastLoop > 50_000_000L && tracker.inWindow(now)) {
                // the pacing thread itself did not run for over 50 ms (GC or CPU starvation in the generator)
                generatorStalls.add(String.format(java.util.Locale.ROOT, "t=%.1fs %dms",
                        (lastLoop - tracker.windowStart) / 1e9, (now - lastLoop) / 1_000_000));
            }
            lastLoop = now;
            if (now >= tracker.windowEnd) {
                break;
            }
            if (!windowOpen && now >= tracker.windowStart) {
                windowOpen = true;
                cpuStart = ProcProbe.cpuMillis(pid);
                pgStart = ProcProbe.postgresCpuMillis(pgCluster);
                if (jdbc != null) {
                    db0 = dbCounters(jdbc);
                }
                if (pgProxy != null) {
                    proxy0 = proxyCounters(pgProxy);
                }
                if (jfr != null && pid > 0) {
                    // in the background, so the pacing goes on while jcmd starts the recording
                    CompletableFuture.runAsync(() -> {
                        String started = ProcProbe.run("jcmd", Long.toString(pid), "JFR.start", "name=bench",
                                "settings=profile", "filename=" + jfr).trim();
                        jfrAcks[0] = tracker.acksTotal.sum();
                        IdleScenario.log("JFR: " + started);
                    });
                }
            }
            long due = (long) ((now - start) * rate / 1e9);
            while (sent < due) {
                String id = "b" + tag + "-" + sent;
                long stamp = System.nanoTime();
                sender.send(sent, id, "bench " + stamp + TEXT, stamp);
                sent++;
            }
            LockSupport.parkNanos(1_000_000);
        }
        long cpuEnd = ProcProbe.cpuMillis(pid);
        long pgEnd = ProcProbe.postgresCpuMillis(pgCluster);
        Map<String, Long> db1 = jdbc == null ? Map.of() : dbCounters(jdbc);
        Map<String, Long> proxy1 = pgProxy == null ? Map.of() : proxyCounters(pgProxy);
        if (jfr != null && pid > 0) {
            long acksAtStop = tracker.acksTotal.sum();
            IdleScenario.log("JFR: " + ProcProbe.run("jcmd", Long.toString(pid), "JFR.stop", "name=bench").trim());
            if (jfrAcks[0] >= 0) {
                result.put("jfr_acks", acksAtStop - jfrAcks[0]);
                IdleScenario.log("JFR: " + (acksAtStop - jfrAcks[0]) + " messages acknowledged during the recording");
            }
        }
        long acksInWindow = tracker.acksInWindow.sum();
        result.put("loadavg_end", IdleScenario.loadavg());
        IdleScenario.log(String.format("sent %d; %d acks inside the %ds window", sent, acksInWindow, duration));

        // drain: wait for the outstanding acks and deliveries
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(args.integer("drain", 60));
        while (System.nanoTime() < drainDeadline && outstanding(tracker) > 0) {
            Thread.sleep(200);
        }

        result.put("sent_total", sent);
        result.put("sent_in_window", tracker.sentInWindow.sum());
        result.put("rate_offered", tracker.sentInWindow.sum() / (double) duration);
        result.put("rate_sustained", acksInWindow / (double) duration);
        result.put("visitor_to_agent", Tracker.summary(tracker.visitorToAgent));
        result.put("agent_to_visitor", Tracker.summary(tracker.agentToVisitor));
        result.put("visitor_ack", Tracker.summary(tracker.visitorAck));
        result.put("agent_ack", Tracker.summary(tracker.agentAck));
        result.put("slow_slots", tracker.slowSlots());
        result.put("generator_stalls", generatorStalls);
        IdleScenario.log("slow 100 ms slots (send time from the window start): " + tracker.slowSlots());
        IdleScenario.log("generator pacing stalls over 50 ms: " + generatorStalls);
        if (pid > 0 && acksInWindow > 0) {
            result.put("server_cpu_ms_per_msg", (double) (cpuEnd - cpuStart) / acksInWindow);
            result.put("server_cpu_cores", (cpuEnd - cpuStart) / 1000.0 / duration);
        }
        if (pgStart >= 0 && pgEnd >= 0 && acksInWindow > 0 && jdbc != null) {
            result.put("postgres_cpu_ms_per_msg", (double) (pgEnd - pgStart) / acksInWindow);
            result.put("postgres_cpu_cores", (pgEnd - pgStart) / 1000.0 / duration);
        }
        if (jdbc != null && acksInWindow > 0) {
            Map<String, Object> perMessage = new LinkedHashMap<>();
            for (String key : db1.keySet()) {
                perMessage.put(key, (db1.get(key) - db0.getOrDefault(key, 0L)) / (double) acksInWindow);
            }
            result.put("db_counters_per_msg", perMessage);
            long updates = db1.getOrDefault("dialog_upd", 0L) - db0.getOrDefault("dialog_upd", 0L);
            if (updates > 0) {
                result.put("dialog_hot_update_share",
                        (db1.getOrDefault("dialog_hot_upd", 0L) - db0.getOrDefault("dialog_hot_upd", 0L)) / (double) updates);
            }
        }
        if (pgProxy != null && acksInWindow > 0) {
            Map<String, Object> perMessage = new LinkedHashMap<>();
            for (String key : proxy1.keySet()) {
                perMessage.put(key, (proxy1.get(key) - proxy0.getOrDefault(key, 0L)) / (double) acksInWindow);
            }
            result.put("pg_protocol_messages_per_msg", perMessage);
        }

    }

    private static int countReady(List<VisitorClient> visitors, Map<String, AgentClient> agentOf) {
        int ready = 0;
        for (VisitorClient v : visitors) {
            if (v.assigned.isDone() && v.dialogId != null && agentOf.containsKey(v.dialogId)) {
                ready++;
            }
        }
        return ready;
    }

    private static long outstanding(Tracker tracker) {
        return tracker.sent.values().stream().filter(m -> m.acks.get() == 0 || m.peerDeliveries.get() == 0).count();
    }

    /** The counting proxy's totals per frontend message type (see {@link PgProxy}). */
    static Map<String, Long> proxyCounters(String base) {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/counters")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            Json.parse(response.body()).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        }
        catch (java.io.IOException ex) {
            System.err.println("pg proxy: " + ex.getMessage());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /**
     * Transactions and tuples of the bench database so far (pg_stat_database; flushed about once a second), and the
     * dialog table's row updates: all, and those that were heap-only (HOT: no index entry written), from
     * pg_stat_user_tables.
     */
    static Map<String, Long> dbCounters(String jdbc) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, "
                        + "tup_fetched, tup_returned, blks_hit, blks_read, "
                        + "coalesce((SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'dialog'), 0) AS dialog_upd, "
                        + "coalesce((SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'dialog'), 0) "
                        + "AS dialog_hot_upd FROM pg_stat_database WHERE datname = current_database()")) {
            if (rs.next()) {
                for (String column : List.of("xact_commit", "xact_rollback", "tup_inserted", "tup_updated",
                        "tup_fetched", "tup_returned", "blks_hit", "blks_read", "dialog_upd", "dialog_hot_upd")) {
                    out.put(column, rs.getLong(column));
                }
            }
        }
        catch (SQLException ex) {
            System.err.println("pg_stat_database: " + ex.getMessage());
        }
        return out;
    }

    /**
     * Every acknowledged message must be stored once; nothing stored twice; seqs without gaps. Only the dialogs this
     * run sent into are read, so that the check also works on a database that holds other data (bench/reports-chat.sh
     * runs the chat on the report benchmark's million dialogs).
     */
    static Map<String, Object> storeCheck(String jdbc, Tracker tracker) {
        Map<String, Object> out = new LinkedHashMap<>();
        // which messages were acknowledged before the rows are read: when the drain gave up, acks still arrive during
        // the check, and a message acknowledged after the read is not missing from it
        java.util.Set<String> ackedBefore = tracker.ackedIds();
        Object[] dialogs = tracker.sent.values().stream().map(m -> m.dialogId).distinct()
                .map(java.util.UUID::fromString).toArray();
        try (Connection c = DriverManager.getConnection(jdbc)) {
            java.sql.Array ids = c.createArrayOf("uuid", dialogs);
            Map<String, String> stored = new HashMap<>();
            long rows = 0;
            try (java.sql.PreparedStatement s = c.prepareStatement("SELECT dialog_id::text, sender, client_msg_id "
                    + "FROM message WHERE dialog_id = ANY (?) AND sender IN ('VISITOR','AGENT')")) {
                s.setArray(1, ids);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        stored.put(rs.getString(3), rs.getString(1) + "|" + rs.getString(2));
                    }
                }
            }
            long duplicates = countOf(c, "SELECT count(*) FROM (SELECT 1 FROM message WHERE dialog_id = ANY (?) AND "
                    + "sender IN ('VISITOR','AGENT') GROUP BY dialog_id, sender, client_msg_id HAVING count(*) > 1) d", ids);
            long gaps = countOf(c, "SELECT count(*) FROM (SELECT dialog_id FROM message WHERE dialog_id = ANY (?) "
                    + "GROUP BY dialog_id HAVING max(seq) <> count(*)) g", ids);
            long lost = 0;
            long misplaced = 0;
            long storedNotAcked = 0;
            for (Map.Entry<String, Tracker.Sent> entry : tracker.sent.entrySet()) {
                Tracker.Sent message = entry.getValue();
                String where = stored.get(entry.getKey());
                if (ackedBefore.contains(entry.getKey())) {
                    if (where == null) {
                        lost++;
                    }
                    else if (!where.equals(message.dialogId + "|" + message.sender)) {
                        misplaced++;
                    }
                }
                else if (where != null && message.acks.get() == 0) {
                    storedNotAcked++;
                }
            }
            out.put("db_rows_visitor_agent", rows);
            out.put("db_lost_acked", lost);
            out.put("db_misplaced", misplaced);
            out.put("db_duplicates", duplicates);
            out.put("db_stored_not_acked", storedNotAcked);
            out.put("db_dialogs_with_seq_gaps", gaps);
        }
        catch (SQLException ex) {
            out.put("db_error", ex.getMessage());
        }
        return out;
    }

    private static long countOf(Connection c, String sql, java.sql.Array dialogs) throws SQLException {
        try (java.sql.PreparedStatement s = c.prepareStatement(sql)) {
            s.setArray(1, dialogs);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
