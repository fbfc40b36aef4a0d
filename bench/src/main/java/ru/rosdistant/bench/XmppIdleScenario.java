package ru.rosdistant.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The idle scenario against the peer XMPP server: N visitor accounts connect (phase 1: WebSocket upgrades
 * only), then each opens its session (stream, SASL PLAIN, bind, stream management, presence) and sends one
 * message to the agent account {@code a0}, online throughout, and waits for its {@code <a h/>} (phase 2: the
 * gateway's hello + open, a conversation with a stored first message); then all hold. The server's RSS before
 * and after, per connection (BEAM has no heap of its own to read apart from RSS).
 */
final class XmppIdleScenario {

    private XmppIdleScenario() {
    }

    static Map<String, Object> run(Args args) throws Exception {
        String url = args.required("url");
        long pid = args.longValue("pid", -1);
        int n = args.integer("n", 1000);
        int concurrency = args.integer("concurrency", 200);
        int hold = args.integer("hold", 10);
        int settle = args.integer("settle", 5);
        String domain = args.str("domain", "bench.local");
        String password = args.str("password", "pw-bench");
        Transport transport = new Transport(url, args.integer("sources", 4), args.integer("threads", 2));
        String wsUri = transport.wsBase + args.str("ws-path", "/ws");
        Tracker tracker = new Tracker();
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "idle");
        result.put("target", args.str("label", "ejabberd"));
        result.put("n", n);
        result.put("concurrency", concurrency);
        result.put("source_addresses", transport.sources());

        XmppClient.Inbox inbox = (to, fromUser, id, body) -> { };
        XmppClient agent = new XmppClient("a0", domain, password, tracker, inbox);
        XmppChatScenario.session(agent, transport, wsUri).get(30, TimeUnit.SECONDS);

        // warm-up: sessions that send their message and leave (accounts w<i>), so the baseline is a warm server
        int warmupN = args.integer("warmup-n", 200);
        if (warmupN > 0) {
            List<XmppClient> warm = new ArrayList<>();
            for (int i = 0; i < warmupN; i++) {
                warm.add(new XmppClient("w" + i, domain, password, tracker, inbox));
            }
            long tw = System.nanoTime();
            int warmFailures = IdleScenario.bounded(warm, Math.min(concurrency, 50), 20,
                    c -> XmppChatScenario.session(c, transport, wsUri)
                            .thenCompose(x -> c.sayConfirmed("a0", "w" + tag + "-" + c.user, "bench 0" + ChatScenario.TEXT))
                            .thenApply(x -> {
                                c.ws.close();
                                return null;
                            }),
                    c -> c.user + " (" + c.stage() + ")");
            IdleScenario.log(String.format("warm-up: %d sessions sent their message and left in %.1fs (%d failed)",
                    warmupN, (System.nanoTime() - tw) / 1e9, warmFailures));
            result.put("warmup_visitors", warmupN);
            Thread.sleep(3000);
        }
        result.put("loadavg_start", IdleScenario.loadavg());
        Map<String, Object> baseline = ProcProbe.resident(pid);
        result.put("baseline", baseline);
        IdleScenario.log("baseline " + baseline);

        List<XmppClient> visitors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            visitors.add(new XmppClient("v" + i, domain, password, tracker, inbox));
        }
        long cpu0 = ProcProbe.cpuMillis(pid);

        // phase 1: upgrades
        long t0 = System.nanoTime();
        int upgradeFailures = IdleScenario.bounded(visitors, concurrency, 120,
                c -> c.ws.connectXmpp(transport.nextClient(), wsUri, transport.origin).thenApply(ws -> (Void) null),
                c -> c.user + " (" + c.stage() + ")");
        double upgradeSeconds = (System.nanoTime() - t0) / 1e9;
        long cpu1 = ProcProbe.cpuMillis(pid);
        IdleScenario.log(String.format("upgraded %d sockets in %.2fs (%d failed)", n - upgradeFailures, upgradeSeconds,
                upgradeFailures));

        // phase 2: session + one message each
        long t1 = System.nanoTime();
        int openFailures = IdleScenario.bounded(visitors, concurrency, 120, c -> {
            if (c.ws.isClosed() || !c.ws.isUpgraded()) {
                return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
            }
            return c.login().thenCompose(x -> c.sayConfirmed("a0", "i" + tag + "-" + c.user, "bench 0" + ChatScenario.TEXT));
        }, c -> c.user + " (" + c.stage() + ")");
        double openSeconds = (System.nanoTime() - t1) / 1e9;
        long cpu2 = ProcProbe.cpuMillis(pid);
        IdleScenario.log(String.format("session + one message on %d sockets in %.2fs (%d failed)", n - openFailures,
                openSeconds, openFailures));

        Thread.sleep(settle * 1000L);
        Map<String, Object> loaded = ProcProbe.resident(pid);
        result.put("loaded", loaded);
        IdleScenario.log("loaded " + loaded);
        Thread.sleep(Math.max(0, hold - settle) * 1000L);
        long stillOpen = visitors.stream().filter(c -> !c.ws.isClosed()).count();

        int connected = n - upgradeFailures;
        result.put("upgrade_failures", upgradeFailures);
        result.put("open_failures", openFailures);
        result.put("upgrades_per_s", connected / upgradeSeconds);
        result.put("sessions_per_s", (connected - openFailures) / openSeconds);
        result.put("open_at_end", stillOpen);
        if (pid > 0 && connected > 0) {
            result.put("server_cpu_ms_per_upgrade", (double) (cpu1 - cpu0) / connected);
            result.put("server_cpu_ms_per_session", (double) (cpu2 - cpu1) / Math.max(1, connected - openFailures));
        }
        if (stillOpen > 0 && baseline.containsKey("rss_bytes") && loaded.containsKey("rss_bytes")) {
            long rss = (long) loaded.get("rss_bytes") - (long) baseline.get("rss_bytes");
            result.put("rss_bytes_per_connection", (double) rss / stillOpen);
        }
        result.put("loadavg_end", IdleScenario.loadavg());
        result.put("errors", tracker.errorCounts());
        visitors.forEach(c -> c.ws.close());
        agent.ws.close();
        return result;
    }
}
