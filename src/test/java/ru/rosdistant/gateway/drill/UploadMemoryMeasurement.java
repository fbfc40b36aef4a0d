package ru.rosdistant.gateway.drill;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.widget.Uploads;

/**
 * A measurement, not a test (runs only with {@code -Dmeasure.uploads=true}): the peak direct memory and heap of
 * the gateway while 16 visitors upload 16 MB each at once, with a Content-Length as a browser sends it; an
 * upload answered 503 is sent again after its Retry-After. Command and figures: docs/benchmarks.md.
 */
@GatewayTest
@EnabledIfSystemProperty(named = "measure.uploads", matches = "true")
class UploadMemoryMeasurement {

    @LocalServerPort
    int port;

    @Test
    void peakMemoryWhileSixteenVisitorsUploadSixteenMegabytesEach() throws Exception {
        int parallel = Integer.getInteger("measure.uploads.parallel", 16);
        Uploads uploads = new Uploads(port, "up3", "https://up3.test");
        List<WsClient> visitors = new ArrayList<>();
        List<String[]> targets = new ArrayList<>();
        for (int v = 0; v < parallel; v++) {
            WsClient visitor = WsClient.visitor(port, "up3", "https://up3.test");
            visitors.add(visitor);
            targets.add(new String[] { Uploads.hello(visitor), Uploads.open(visitor) });
        }
        java.nio.file.Path body = java.nio.file.Files.createTempFile("upload-16mb", ".bin");
        java.nio.file.Files.write(body, Uploads.random(16 * 1024 * 1024, 7));
        System.gc();
        Thread.sleep(500);
        long directBase = direct();
        long nettyBase = PlatformDependent.usedDirectMemory();
        long heapBase = heap();
        AtomicLong directPeak = new AtomicLong();
        AtomicLong nettyPeak = new AtomicLong();
        AtomicLong heapPeak = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                directPeak.accumulateAndGet(direct(), Math::max);
                nettyPeak.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
                heapPeak.accumulateAndGet(heap(), Math::max);
                try {
                    Thread.sleep(5);
                }
                catch (InterruptedException ex) {
                    return;
                }
            }
        });
        sampler.start();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        long started = System.nanoTime();
        List<Thread> clients = new ArrayList<>();
        for (int v = 0; v < parallel; v++) {
            String[] target = targets.get(v);
            String clientMsgId = "m-" + v;
            Thread client = new Thread(() -> {
                for (int attempt = 0; attempt < 100; attempt++) {
                    int status = curl(target[0], target[1], clientMsgId, body);
                    statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    if (status != 503) {
                        if (status != 201) {
                            failures.incrementAndGet();
                        }
                        return;
                    }
                    try {
                        Thread.sleep(1000);
                    }
                    catch (InterruptedException ex) {
                        return;
                    }
                }
            });
            client.start();
            clients.add(client);
        }
        for (Thread client : clients) {
            client.join(600_000);
        }
        long seconds = (System.nanoTime() - started) / 1_000_000;
        running.set(false);
        sampler.join();
        visitors.forEach(WsClient::close);
        Map<Integer, Integer> table = new TreeMap<>();
        statuses.forEach((status, count) -> table.put(status, count.get()));
        System.out.printf("UploadMemoryMeasurement: %d uploads of 16 MB at once (curl) in %d ms; answers %s; failed %d; "
                        + "peak above the start: JMX direct buffers %d MB, Netty direct %d MB, heap %d MB%n",
                parallel, seconds, table, failures.get(), (directPeak.get() - directBase) >> 20,
                nettyBase < 0 ? -1 : (nettyPeak.get() - nettyBase) >> 20, (heapPeak.get() - heapBase) >> 20);
    }

    /** One upload by curl, so the client's buffers are not counted in this JVM; the status, 0 without an answer. */
    private int curl(String token, String dialogId, String clientMsgId, java.nio.file.Path body) {
        try {
            Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "300",
                    "-H", "Authorization: Bearer " + token, "-H", "Origin: https://up3.test",
                    "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + body,
                    "http://localhost:" + port + "/api/widget/files?site=up3&dialogId=" + dialogId + "&clientMsgId="
                            + clientMsgId + "&name=scan.bin")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(curl.getInputStream().readAllBytes()).trim();
            curl.waitFor();
            return out.isEmpty() ? 0 : Integer.parseInt(out);
        }
        catch (Exception ex) {
            return 0;
        }
    }

    private static long direct() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static long heap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
