package ru.rosdistant.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.HdrHistogram.Histogram;

import ru.rosdistant.bench.CrashScenario.Agent;
import ru.rosdistant.bench.CrashScenario.Client;
import ru.rosdistant.bench.CrashScenario.Context;
import ru.rosdistant.bench.CrashScenario.Visitor;

/**
 * The several-nodes drill's generator (bench/drill-cluster.sh): the crash drill's clients (they reconnect, resume
 * and re-send like the widget and the console) talk to three nodes through HAProxy, which names the node that took
 * each socket in {@code X-Gateway-Node}. The script kills one node with kill -9, later Redis, starts a node while
 * Redis is down and brings Redis back, appending {@code key=epoch ms} lines to {@code --events} as it does
 * ({@code kill_ms}, {@code killed_node}, {@code redis_down_ms}, {@code node_start_ms}, {@code node_ready_ms},
 * {@code redis_up_ms}, {@code done}).
 *
 * <p>Reports: the share of the killed node's sessions resumed within 3 s of the kill; lost, duplicated and seq gaps
 * (at the clients and in PostgreSQL); whether the dialogs assigned at the kill kept their agent; visitor→agent and
 * agent→visitor latency with both ends on the same node vs on different nodes (before the kill); and the latency
 * of what was sent while Redis was down.
 */
final class ClusterScenario {

    private ClusterScenario() {
    }

    /** One delivered message: when it was sent, how long it took (µs), its direction, both ends on one node. */
    record Sample(long sentNanos, long micros, boolean toAgent, boolean sameNode) {
    }

    static Map<String, Object> run(Args args) throws Exception {
        String url = args.required("url");
        int visitorsCount = args.integer("visitors", 1000);
        int agentsCount = args.integer("agents", 100);
        int maxDialogs = args.integer("max-dialogs", Math.max(1, (visitorsCount + agentsCount - 1) / agentsCount + 2));
        double rate = args.dbl("rate", 1000);
        int loadSeconds = args.integer("load", 100);
        String admin = args.str("admin", "admin:bench-admin-pw");
        String jdbc = args.required("db");
        Path eventsFile = Path.of(args.required("events"));
        String marker = args.str("load-marker", null);
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        Transport transport = new Transport(url, args.integer("sources", 4), args.integer("threads", 2));
        Tracker tracker = new Tracker();
        Context ctx = new Context(transport, tracker, args.integer("resume-timeout", 20), Set.of());
        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        Set<String> sampled = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ctx.deliveries = (clientMsgId, text, toAgent, receiverNode) -> {
            Tracker.Sent m = clientMsgId == null ? null : tracker.sent.get(clientMsgId);
            long sentAt = Tracker.stampOf(text);
            if (m == null || sentAt == Long.MIN_VALUE || !sampled.add(clientMsgId)) {
                return;
            }
            boolean same = m.senderNode != null && m.senderNode.equals(receiverNode);
            samples.add(new Sample(sentAt, (System.nanoTime() - sentAt) / 1000, toAgent, same));
        };

        // outbox mail (optional): an SMTP sink the nodes deliver to, offline forms posted during the load
        int smtpPort = args.integer("smtp-port", 0);
        double formsRate = args.dbl("forms-rate", 10);
        SmtpSink sink = smtpPort > 0 ? new SmtpSink(smtpPort, args.integer("smtp-delay-ms", 200)) : null;
        FormMail formMail = sink == null ? null : new FormMail(url, "f" + tag, args.str("form-site", "applicant"));

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "cluster");
        result.put("target", args.str("label", "3 nodes"));
        result.put("visitors", visitorsCount);
        result.put("agents", agentsCount);
        result.put("max_dialogs", maxDialogs);
        result.put("rate_target", rate);
        result.put("load_s", loadSeconds);

        CrashScenario.Setup setup = CrashScenario.setUp(ctx, transport, admin, "cl" + tag, agentsCount, visitorsCount,
                maxDialogs, args.integer("concurrency", 100), result);
        List<Agent> agents = setup.agents();
        List<Visitor> visitors = setup.visitors();
        List<Visitor> pairs = setup.pairs();
        List<Client> everyone = new ArrayList<>();
        everyone.addAll(visitors);
        everyone.addAll(agents);
        result.put("sockets_per_node_at_start", perNode(everyone, Client::node));

        IdleScenario.log("load through " + url);
        if (formMail != null) {
            IdleScenario.log(String.format("offline forms: %.1f/s, mail to the SMTP sink on :%d (DATA answered %d ms late)",
                    formsRate, sink.port(), args.integer("smtp-delay-ms", 200)));
            formMail.start(System.nanoTime(), formsRate, loadSeconds);
        }
        long start = CrashScenario.load(ctx, pairs, rate, loadSeconds, "k" + tag, marker, result).start();

        // recovery: the script done, every session resumed, every message acknowledged and delivered
        long recoveryDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(args.integer("recovery-timeout", 120));
        while (System.nanoTime() < recoveryDeadline) {
            long notResumed = everyone.stream().filter(c -> c.droppedNanos != 0 && c.resumedNanos == 0).count();
            long pendingMessages = everyone.stream().mapToLong(Client::pendingCount).sum();
            long undelivered = tracker.sent.values().stream()
                    .filter(m -> m.acks.get() > 0 && m.peerDeliveries.get() == 0).count();
            if (events(eventsFile).containsKey("done") && notResumed == 0 && pendingMessages == 0
                    && undelivered == 0) {
                break;
            }
            Thread.sleep(200);
        }
        Map<String, String> events = events(eventsFile);
        result.put("events", events);
        long killMs = Long.parseLong(Objects.requireNonNull(events.get("kill_ms"), "no kill_ms in " + eventsFile));
        String killedNode = events.get("killed_node");
        result.put("kill_after_load_start_s", (killMs - CrashScenario.epochMs(start)) / 1000.0);
        result.put("sockets_per_node_at_end", perNode(everyone, Client::node));
        result.put("dropped_per_node", perNode(everyone.stream().filter(c -> c.droppedNanos != 0).toList(),
                c -> c.droppedFrom));

        // the killed node's sessions: resumed on the others within 3 s of the kill
        Map<String, Object> failover = new LinkedHashMap<>();
        failover.put("visitors", failover(visitors, killMs));
        failover.put("agents", failover(agents, killMs));
        failover.put("all", failover(everyone, killMs));
        failover.put("dropped_not_from_killed_node", everyone.stream()
                .filter(c -> c.droppedNanos != 0 && !Objects.equals(c.droppedFrom, killedNode)).count());
        result.put("failover", failover);

        // messages: acknowledged = stored once, delivered once, no seq gaps (clients and PostgreSQL)
        Tracker.Tally tally = tracker.tally(m -> false);
        Map<String, Object> check = ChatScenario.deliveryCheck(tracker, tally);
        check.putAll(CrashScenario.resumeCheck(ctx));
        check.putAll(ChatScenario.storeCheck(jdbc, tracker));
        check.putAll(CrashScenario.clientGaps(jdbc, everyone));
        result.put("check", check);
        result.put("dialogs", CrashScenario.dialogCheck(jdbc, ctx, agents));

        // latency: before the kill, same node vs different nodes; while Redis was down; after it came back
        long steadyFrom = start + TimeUnit.SECONDS.toNanos(args.integer("steady-skip", 5));
        long killNanos = CrashScenario.nanosOf(killMs);
        List<Sample> all = new ArrayList<>(samples);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("window", "sent between " + args.integer("steady-skip", 5) + " s into the load and the kill");
        latency.put("visitor_to_agent_same_node", summary(all, s -> s.toAgent() && s.sameNode()
                && s.sentNanos() >= steadyFrom && s.sentNanos() < killNanos));
        latency.put("visitor_to_agent_cross_node", summary(all, s -> s.toAgent() && !s.sameNode()
                && s.sentNanos() >= steadyFrom && s.sentNanos() < killNanos));
        latency.put("agent_to_visitor_same_node", summary(all, s -> !s.toAgent() && s.sameNode()
                && s.sentNanos() >= steadyFrom && s.sentNanos() < killNanos));
        latency.put("agent_to_visitor_cross_node", summary(all, s -> !s.toAgent() && !s.sameNode()
                && s.sentNanos() >= steadyFrom && s.sentNanos() < killNanos));
        result.put("latency_before_kill", latency);
        if (events.containsKey("redis_down_ms") && events.containsKey("redis_up_ms")) {
            long down = CrashScenario.nanosOf(Long.parseLong(events.get("redis_down_ms")));
            long up = CrashScenario.nanosOf(Long.parseLong(events.get("redis_up_ms")));
            Map<String, Object> redis = new LinkedHashMap<>();
            redis.put("outage_s", (up - down) / 1e9);
            redis.put("before_outage_10s", summary(all, s -> s.sentNanos() >= down - 10_000_000_000L
                    && s.sentNanos() < down));
            redis.put("during_outage", summary(all, s -> s.sentNanos() >= down && s.sentNanos() < up));
            redis.put("during_outage_after_first_5s", summary(all, s -> s.sentNanos() >= down + 5_000_000_000L
                    && s.sentNanos() < up));
            redis.put("after_outage", summary(all, s -> s.sentNanos() >= up));
            result.put("latency_redis", redis);
        }

        if (formMail != null) {
            formMail.awaitPosted();
            Map<String, Object> mail = formMail.check(jdbc, sink, killMs,
                    CrashScenario.epochMs(start + TimeUnit.SECONDS.toNanos(loadSeconds)), args.integer("mail-timeout", 300));
            mail.put("forms_rate", formsRate);
            mail.put("smtp_delay_ms", args.integer("smtp-delay-ms", 200));
            result.put("mail", mail);
            IdleScenario.log("mail " + mail);
            sink.close();
        }

        result.put("clients", CrashScenario.clientCounters(ctx));
        result.put("errors", tracker.errorCounts());
        IdleScenario.log("failover " + failover);
        IdleScenario.log("check " + check);
        IdleScenario.log("latency " + result.get("latency_before_kill") + " redis " + result.get("latency_redis"));
        CrashScenario.stop(ctx, everyone);
        return result;
    }

    private static Map<String, String> events(Path file) throws java.io.IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                String[] kv = line.split("=", 2);
                if (kv.length == 2) {
                    out.put(kv[0].trim(), kv[1].trim());
                }
            }
        }
        return out;
    }

    private static Map<String, Integer> perNode(List<? extends Client> clients,
            java.util.function.Function<Client, String> node) {
        Map<String, Integer> out = new TreeMap<>();
        clients.forEach(c -> out.merge(String.valueOf(node.apply(c)), 1, Integer::sum));
        return out;
    }

    /** Of the sessions whose socket dropped: how soon after the kill each was resumed (on another node). */
    private static Map<String, Object> failover(List<? extends Client> clients, long killMs) {
        List<Long> afterKill = new ArrayList<>();
        List<Long> dropAfterKill = new ArrayList<>();
        List<Long> upgradeAfterKill = new ArrayList<>();
        List<Long> resumeAfterUpgrade = new ArrayList<>();
        int dropped = 0;
        int notResumed = 0;
        Set<String> resumedOn = new HashSet<>();
        for (Client c : clients) {
            if (c.droppedNanos == 0) {
                continue;
            }
            dropped++;
            dropAfterKill.add(CrashScenario.epochMs(c.droppedNanos) - killMs);
            if (c.reconnectedNanos != 0) {
                upgradeAfterKill.add(CrashScenario.epochMs(c.reconnectedNanos) - killMs);
                if (c.resumedNanos != 0) {
                    resumeAfterUpgrade.add((c.resumedNanos - c.reconnectedNanos) / 1_000_000);
                }
            }
            if (c.resumedNanos == 0) {
                notResumed++;
                continue;
            }
            afterKill.add(CrashScenario.epochMs(c.resumedNanos) - killMs);
            resumedOn.add(String.valueOf(c.node()));
        }
        afterKill.sort(null);
        dropAfterKill.sort(null);
        upgradeAfterKill.sort(null);
        resumeAfterUpgrade.sort(null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sessions", clients.size());
        out.put("dropped", dropped);
        out.put("not_resumed", notResumed);
        out.put("resumed_after_kill_p50_ms", CrashScenario.percentile(afterKill, 50));
        out.put("resumed_after_kill_p95_ms", CrashScenario.percentile(afterKill, 95));
        out.put("resumed_after_kill_max_ms", afterKill.isEmpty() ? null : afterKill.get(afterKill.size() - 1));
        // where the time goes: the socket seen closed, the new socket upgraded (through the balancer), the session
        // resumed on it (hello, and for an agent the resume of each of its dialogs)
        out.put("dropped_after_kill_p50_ms", CrashScenario.percentile(dropAfterKill, 50));
        out.put("dropped_after_kill_max_ms", dropAfterKill.isEmpty() ? null : dropAfterKill.get(dropAfterKill.size() - 1));
        out.put("upgraded_after_kill_p50_ms", CrashScenario.percentile(upgradeAfterKill, 50));
        out.put("upgraded_after_kill_p95_ms", CrashScenario.percentile(upgradeAfterKill, 95));
        out.put("resumed_after_upgrade_p50_ms", CrashScenario.percentile(resumeAfterUpgrade, 50));
        out.put("resumed_after_upgrade_p95_ms", CrashScenario.percentile(resumeAfterUpgrade, 95));
        long within3 = afterKill.stream().filter(ms -> ms <= 3_000).count();
        out.put("share_resumed_within_3s_of_kill", dropped == 0 ? null : within3 / (double) dropped);
        out.put("now_on_nodes", String.join(",", new java.util.TreeSet<>(resumedOn)));
        return out;
    }

    private static Map<String, Object> summary(List<Sample> samples, Predicate<Sample> which) {
        Histogram h = new Histogram(3_600_000_000L, 3);
        samples.stream().filter(which).forEach(s -> h.recordValue(Math.max(0, s.micros())));
        return Tracker.summary(h);
    }
}
