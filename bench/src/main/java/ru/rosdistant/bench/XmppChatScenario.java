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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chat scenario against the peer XMPP server (ejabberd): V visitor accounts and A agent accounts
 * ({@code v<i>}, {@code a<j>}, provisioned by bench/lib.sh), visitor i talks with agent i mod A (XMPP has no
 * routing: the pairs are fixed, which is the gateway's assignment done beforehand). The pacing, the window and
 * the figures are {@link ChatScenario#measure}'s; a message is acknowledged when an {@code <a h/>} covers it.
 * At the end the archive (mod_mam's {@code archive} table) is compared with what was acknowledged: each chat
 * message is archived twice, once for the sender and once for the recipient.
 */
final class XmppChatScenario {

    private static final Pattern ID = Pattern.compile("^<message[^>]*\\sid=['\"]([^'\"]+)['\"]");

    private XmppChatScenario() {
    }

    static Map<String, Object> run(Args args) throws Exception {
        String url = args.required("url");
        long pid = args.longValue("pid", -1);
        int visitorsCount = args.integer("visitors", 1000);
        int agentsCount = args.integer("agents", 100);
        String domain = args.str("domain", "bench.local");
        String password = args.str("password", "pw-bench");
        String jdbc = args.str("db", null);
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        Transport transport = new Transport(url, args.integer("sources", 4), args.integer("threads", 2));
        Tracker tracker = new Tracker();
        String wsUri = transport.wsBase + args.str("ws-path", "/ws");

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "chat");
        result.put("target", args.str("label", "ejabberd"));
        result.put("visitors", visitorsCount);
        result.put("agents", agentsCount);
        result.put("max_dialogs", args.integer("max-dialogs", 12));
        result.put("rate_target", args.dbl("rate", 1000));
        result.put("warmup_s", args.integer("warmup", 10));
        result.put("duration_s", args.integer("duration", 30));

        XmppClient.Inbox inbox = (to, fromUser, id, body) -> tracker.recordDelivery(id, body, to.user.startsWith("a"), to);
        List<XmppClient> agents = new ArrayList<>();
        for (int j = 0; j < agentsCount; j++) {
            agents.add(new XmppClient("a" + j, domain, password, tracker, inbox));
        }
        List<XmppClient> visitors = new ArrayList<>();
        for (int i = 0; i < visitorsCount; i++) {
            visitors.add(new XmppClient("v" + i, domain, password, tracker, inbox));
        }
        int concurrency = args.integer("concurrency", 100);
        int timeout = args.integer("setup-timeout", 30);
        long t0 = System.nanoTime();
        int agentFailures = IdleScenario.bounded(agents, concurrency, timeout, c -> session(c, transport, wsUri),
                c -> c.user + " (" + c.stage() + ")");
        IdleScenario.log(String.format("%d agents online in %.1fs", agentsCount - agentFailures, (System.nanoTime() - t0) / 1e9));
        long t1 = System.nanoTime();
        int visitorFailures = IdleScenario.bounded(visitors, concurrency, timeout, c -> session(c, transport, wsUri),
                c -> c.user + " (" + c.stage() + ")");
        double setupSeconds = (System.nanoTime() - t1) / 1e9;
        List<Integer> pairs = new ArrayList<>();
        for (int i = 0; i < visitorsCount; i++) {
            if (visitors.get(i).ready.isDone() && !visitors.get(i).ready.isCompletedExceptionally()
                    && agents.get(i % agentsCount).ready.isDone() && !agents.get(i % agentsCount).ready.isCompletedExceptionally()) {
                pairs.add(i);
            }
        }
        IdleScenario.log(String.format("%d of %d visitors with their agent online in %.1fs (%d visitors failed)",
                pairs.size(), visitorsCount, setupSeconds, visitorFailures));
        result.put("dialogs_ready", pairs.size());
        result.put("visitor_setup_failures", visitorFailures);
        result.put("setup_seconds", setupSeconds);
        if (pairs.isEmpty()) {
            throw new IllegalStateException("no visitor is ready for chat");
        }

        int p = pairs.size();
        ChatScenario.measure(args, result, tracker, pid, jdbc, tag, (n, id, text, stamp) -> {
            int i = pairs.get((int) (n % p));
            XmppClient visitor = visitors.get(i);
            XmppClient agent = agents.get(i % agentsCount);
            boolean fromVisitor = (n / p) % 2 == 0;
            tracker.recordSent(id, visitor.user, fromVisitor ? "VISITOR" : "AGENT", stamp);
            if (fromVisitor) {
                visitor.say(agent.user, id, text);
            }
            else {
                agent.say(visitor.user, id, text);
            }
        });

        ChatScenario.check(result, tracker, jdbc == null ? Map.of() : archiveCheck(jdbc, tracker, agentsCount));
        agents.forEach(a -> a.ws.close());
        visitors.forEach(v -> v.ws.close());
        return result;
    }

    static CompletableFuture<Void> session(XmppClient client, Transport transport, String wsUri) {
        return client.ws.connectXmpp(transport.nextClient(), wsUri, transport.origin)
                .thenCompose(ws -> client.login());
    }

    /**
     * Every acknowledged message must be in the sender's archive once, and every delivered one in the
     * recipient's archive once. The dialog of a message is its visitor ({@code v<i>}); the archive row's
     * {@code username} is the archive's owner, {@code kind} chat, and the stanza's id is the client's id.
     */
    static Map<String, Object> archiveCheck(String jdbc, Tracker tracker, int agentsCount) {
        Map<String, Object> out = new LinkedHashMap<>();
        // client message id → [rows in the sender's archive, rows in the recipient's archive]
        Map<String, int[]> rows = new HashMap<>();
        long total = 0;
        long unmatched = 0;
        // acknowledged before the archive is read (acks may still arrive during the check when the drain gave up)
        java.util.Set<String> ackedBefore = tracker.ackedIds();
        java.util.Set<String> deliveredBefore = tracker.deliveredIds();
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
            s.setFetchSize(10_000);
            c.setAutoCommit(false);
            try (ResultSet rs = s.executeQuery("SELECT username, bare_peer, xml FROM archive WHERE kind = 'chat'")) {
                while (rs.next()) {
                    total++;
                    Matcher matcher = ID.matcher(rs.getString(3));
                    Tracker.Sent message = matcher.find() ? tracker.sent.get(matcher.group(1)) : null;
                    if (message == null) {
                        unmatched++;
                        continue;
                    }
                    String owner = rs.getString(1);
                    String senderUser = message.sender.equals("VISITOR") ? message.dialogId
                            : "a" + (Integer.parseInt(message.dialogId.substring(1)) % agentsCount);
                    int[] counts = rows.computeIfAbsent(matcher.group(1), k -> new int[2]);
                    counts[owner.equals(senderUser) ? 0 : 1]++;
                }
            }
            c.commit();
        }
        catch (SQLException ex) {
            out.put("db_error", ex.getMessage());
            return out;
        }
        long lost = 0;
        long lostForRecipient = 0;
        long duplicates = 0;
        long storedNotAcked = 0;
        for (Map.Entry<String, Tracker.Sent> entry : tracker.sent.entrySet()) {
            Tracker.Sent message = entry.getValue();
            int[] counts = rows.getOrDefault(entry.getKey(), new int[2]);
            if (ackedBefore.contains(entry.getKey()) && counts[0] == 0) {
                lost++;
            }
            if (deliveredBefore.contains(entry.getKey()) && counts[1] == 0) {
                lostForRecipient++;
            }
            if (counts[0] > 1 || counts[1] > 1) {
                duplicates++;
            }
            if (message.acks.get() == 0 && counts[0] > 0) {
                storedNotAcked++;
            }
        }
        out.put("db_rows_visitor_agent", total);
        out.put("db_rows_unmatched", unmatched);
        out.put("db_lost_acked", lost);
        out.put("db_delivered_not_in_recipient_archive", lostForRecipient);
        out.put("db_duplicates", duplicates);
        out.put("db_stored_not_acked", storedNotAcked);
        return out;
    }
}
