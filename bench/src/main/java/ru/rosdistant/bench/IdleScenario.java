package ru.rosdistant.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * N visitors connect (phase 1: WebSocket upgrades only), then each says hello and opens a dialog
 * (phase 2), then all hold. Reports both rates and the server's heap after a full GC and RSS, against
 * the same server with no connection, per connection.
 */
final class IdleScenario {

    static Map<String, Object> run(Args args) throws Exception {
        String url = args.required("url");
        long pid = args.longValue("pid", -1);
        int n = args.integer("n", 1000);
        int concurrency = args.integer("concurrency", 200);
        int hold = args.integer("hold", 10);
        int settle = args.integer("settle", 5);
        Transport transport = new Transport(url, args.integer("sources", 4), args.integer("threads", 2));
        Tracker tracker = new Tracker();

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "idle");
        result.put("target", args.str("label", "gateway"));
        result.put("n", n);
        result.put("concurrency", concurrency);
        result.put("source_addresses", transport.sources());

        // warm-up: visitors that open a dialog, close it and leave, so the JIT has seen every path and
        // the baseline is a warm server with no connection and no open dialog
        int warmupN = args.integer("warmup-n", 500);
        if (warmupN > 0) {
            List<VisitorClient> warm = new ArrayList<>();
            for (int i = 0; i < warmupN; i++) {
                warm.add(new VisitorClient(-1 - i, tracker));
            }
            long tw = System.nanoTime();
            int warmFailures = bounded(warm, Math.min(concurrency, 50), 20, v -> v.ws.connect(transport.nextClient(),
                            transport.wsBase + "/ws/visitor?site=applicant", transport.origin, null)
                    .thenCompose(ws -> {
                        v.hello();
                        return v.welcomed;
                    })
                    .thenCompose(x -> {
                        v.open();
                        return v.opened;
                    })
                    .thenCompose(id -> {
                        v.closeDialog();
                        return v.closedEvent;
                    })
                    .thenApply(x -> {
                        v.ws.close();
                        return null;
                    }));
            log(String.format("warm-up: %d visitors opened and closed a dialog in %.1fs (%d failed)", warmupN,
                    (System.nanoTime() - tw) / 1e9, warmFailures));
            result.put("warmup_visitors", warmupN);
            Thread.sleep(3000);
        }
        result.put("loadavg_start", loadavg());
        Map<String, Object> baseline = ProcProbe.memory(pid);
        result.put("baseline", baseline);
        log("baseline " + baseline);
        String histogram = args.str("histogram", null);
        String baseHistogram = null;
        if (histogram != null && pid > 0) {
            // the same server with no connection: the loaded histogram minus this one is what the sockets keep
            baseHistogram = ProcProbe.run("jcmd", Long.toString(pid), "GC.class_histogram");
            java.nio.file.Files.writeString(java.nio.file.Path.of(histogram + ".base"), baseHistogram);
        }

        List<VisitorClient> visitors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            visitors.add(new VisitorClient(i, tracker));
        }
        long cpu0 = ProcProbe.cpuMillis(pid);

        // phase 1: upgrades
        long t0 = System.nanoTime();
        int upgradeFailures = bounded(visitors, concurrency, v -> v.ws.connect(transport.nextClient(),
                transport.wsBase + "/ws/visitor?site=applicant", transport.origin, null)
                .thenApply(ws -> null));
        double upgradeSeconds = (System.nanoTime() - t0) / 1e9;
        long cpu1 = ProcProbe.cpuMillis(pid);
        log(String.format("upgraded %d sockets in %.2fs (%d failed)", n - upgradeFailures, upgradeSeconds,
                upgradeFailures));

        // phase 2: hello + open on every socket
        long t1 = System.nanoTime();
        int openFailures = bounded(visitors, concurrency, v -> {
            if (v.ws.isClosed()) {
                return CompletableFuture.failedFuture(new IllegalStateException("closed"));
            }
            v.hello();
            return v.welcomed.thenCompose(x -> {
                v.open();
                return v.opened;
            }).thenApply(id -> null);
        });
        double openSeconds = (System.nanoTime() - t1) / 1e9;
        long cpu2 = ProcProbe.cpuMillis(pid);
        log(String.format("hello+open on %d sockets in %.2fs (%d failed)", n - openFailures, openSeconds,
                openFailures));

        Thread.sleep(settle * 1000L);
        Map<String, Object> loaded = ProcProbe.memory(pid);
        result.put("loaded", loaded);
        log("loaded " + loaded);
        String loadedHistogram = null;
        if (histogram != null && pid > 0) {
            // what the connections are made of: the live-object histogram of the loaded server
            loadedHistogram = ProcProbe.run("jcmd", Long.toString(pid), "GC.class_histogram");
            java.nio.file.Files.writeString(java.nio.file.Path.of(histogram), loadedHistogram);
        }
        long stillOpen;
        if (args.str("shutdown", "false").equals("true") && pid > 0) {
            // the shutdown drill: SIGTERM with every socket open; how long until the process is gone, and how
            // each socket was told (1001: going away, resume elsewhere or after the restart)
            stillOpen = visitors.stream().filter(v -> !v.ws.isClosed()).count();
            ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
            long term = System.nanoTime();
            server.destroy();
            long allClosed = 0;
            long deadline = term + TimeUnit.SECONDS.toNanos(60);
            while (server.isAlive() && System.nanoTime() < deadline) {
                if (allClosed == 0 && visitors.stream().allMatch(v -> v.ws.isClosed())) {
                    allClosed = System.nanoTime();
                }
                Thread.sleep(20);
            }
            long gone = System.nanoTime();
            if (allClosed == 0 && visitors.stream().allMatch(v -> v.ws.isClosed())) {
                allClosed = gone;
            }
            Thread.sleep(500);
            Map<String, Long> codes = new java.util.TreeMap<>();
            for (VisitorClient v : visitors) {
                codes.merge(v.ws.isClosed() ? String.valueOf(v.ws.closeCode()) : "open", 1L, Long::sum);
            }
            result.put("shutdown_sockets", stillOpen);
            result.put("shutdown_process_alive_after_60s", server.isAlive());
            result.put("shutdown_seconds", (gone - term) / 1e9);
            result.put("shutdown_all_sockets_closed_seconds", allClosed == 0 ? null : (allClosed - term) / 1e9);
            result.put("shutdown_close_codes", codes);
            log(String.format("SIGTERM with %d sockets open: process gone after %.2f s, every socket closed after %s s; "
                    + "close codes %s", stillOpen, (gone - term) / 1e9,
                    allClosed == 0 ? "-" : String.format("%.2f", (allClosed - term) / 1e9), codes));
        }
        else {
            Thread.sleep(Math.max(0, hold - settle) * 1000L);
            stillOpen = visitors.stream().filter(v -> !v.ws.isClosed()).count();
        }

        int connected = n - upgradeFailures;
        result.put("upgrade_failures", upgradeFailures);
        result.put("open_failures", openFailures);
        result.put("open_at_end", stillOpen);
        result.put("upgrade_seconds", upgradeSeconds);
        result.put("upgrades_per_s", connected / upgradeSeconds);
        result.put("open_seconds", openSeconds);
        result.put("sessions_per_s", (n - openFailures) / openSeconds);
        result.put("server_cpu_ms_per_upgrade", pid > 0 ? (double) (cpu1 - cpu0) / Math.max(1, connected) : null);
        result.put("server_cpu_ms_per_session", pid > 0 ? (double) (cpu2 - cpu1) / Math.max(1, n - openFailures) : null);
        if (baseline.containsKey("heap_used_after_gc_bytes") && loaded.containsKey("heap_used_after_gc_bytes")) {
            long heap = (long) loaded.get("heap_used_after_gc_bytes") - (long) baseline.get("heap_used_after_gc_bytes");
            long rss = (long) loaded.get("rss_bytes") - (long) baseline.get("rss_bytes");
            result.put("heap_bytes_per_connection", (double) heap / stillOpen);
            result.put("rss_bytes_per_connection", (double) rss / stillOpen);
        }
        if (baseHistogram != null && loadedHistogram != null && stillOpen > 0) {
            // per connection and class: (loaded - baseline) / sockets open, largest first
            String perConnection = Histograms.perConnection(baseHistogram, loadedHistogram, stillOpen);
            java.nio.file.Files.writeString(java.nio.file.Path.of(histogram + ".per-connection"), perConnection);
            result.put("histogram_bytes_per_connection", Histograms.total(baseHistogram, loadedHistogram, stillOpen));
        }
        result.put("loadavg_end", loadavg());
        result.put("errors", tracker.errorCounts());
        visitors.forEach(v -> v.ws.close());
        return result;
    }

    /** Runs {@code step} for each visitor with at most {@code concurrency} in flight; returns the failures. */
    static int bounded(List<VisitorClient> visitors, int concurrency,
            Function<VisitorClient, CompletableFuture<Void>> step) throws InterruptedException {
        return bounded(visitors, concurrency, 120, step);
    }

    static int bounded(List<VisitorClient> visitors, int concurrency, int timeoutSeconds,
            Function<VisitorClient, CompletableFuture<Void>> step) throws InterruptedException {
        return bounded(visitors, concurrency, timeoutSeconds, step, v -> "visitor " + v.index + " (" + v.stage() + ")");
    }

    /** Runs {@code step} for each item with at most {@code concurrency} in flight; returns the failures. */
    static <T> int bounded(List<T> items, int concurrency, int timeoutSeconds,
            Function<T, CompletableFuture<Void>> step, Function<T, String> describe) throws InterruptedException {
        Semaphore permits = new Semaphore(concurrency);
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(items.size());
        for (T item : items) {
            permits.acquire();
            CompletableFuture<Void> future;
            try {
                future = step.apply(item);
            }
            catch (RuntimeException ex) {
                future = CompletableFuture.failedFuture(ex);
            }
            future.orTimeout(timeoutSeconds, TimeUnit.SECONDS).whenComplete((ok, error) -> {
                if (error != null) {
                    if (failures.incrementAndGet() <= 5) {
                        System.err.println(describe.apply(item) + ": " + error);
                    }
                }
                permits.release();
                done.countDown();
            });
        }
        done.await();
        return failures.get();
    }

    /** The 1-minute load average: the machine is shared, so every result says how busy it was. */
    static double loadavg() {
        try {
            return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]);
        }
        catch (java.io.IOException | RuntimeException ex) {
            return -1;
        }
    }

    static void log(String line) {
        System.err.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + line);
    }

    static Duration seconds(int s) {
        return Duration.ofSeconds(s);
    }
}
