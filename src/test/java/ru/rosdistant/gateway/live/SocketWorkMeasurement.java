package ru.rosdistant.gateway.live;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

import ru.rosdistant.gateway.dialog.MessageAppended;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.Sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * A measurement, not a test (runs only with {@code -Dmeasure.sockets=true}): the work of the socket engine per chat
 * message, without the network and without the database. One {@link SocketConnection} takes a {@code message}
 * frame, its handler answers with the {@code ack} at once and the message comes back to the same socket as a
 * delivery, as it would reach the peer's: so per message one frame is parsed and two are written (ack and message),
 * which is what the gateway's sockets do for each message in the chat benchmark. Everything runs on the calling
 * thread; the figures are the bytes allocated by every thread of the JVM and the calling thread's CPU time, per
 * message, after a warm-up. They do not depend on the machine's load the way rates and latencies do.
 *
 * <pre>mvn -o -q test -Dtest=SocketWorkMeasurement -Dmeasure.sockets=true [-Dmeasure.sockets.jfr=/tmp/sockets.jfr]</pre>
 */
@EnabledIfSystemProperty(named = "measure.sockets", matches = "true")
class SocketWorkMeasurement {

    private static final int WARMUP = Integer.getInteger("measure.sockets.warmup", 100_000);

    private static final int MEASURED = Integer.getInteger("measure.sockets.messages", 200_000);

    private final JsonMapper json = JsonMapper.builder().build();

    private final DataBufferFactory buffers = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);

    @Test
    void workPerMessage() throws IOException, ParseException {
        UUID dialogId = UUID.randomUUID();
        DialogQueries queries = mock(DialogQueries.class);
        when(queries.messagesAfter(dialogId, 0, Long.MAX_VALUE)).thenReturn(Flux.empty());
        SocketProperties limits = new SocketProperties(4000, 65536, 262144, 1e9, 1e9, 512, Duration.ofMinutes(10),
                1_000_000);
        SocketMetrics metrics = new SocketMetrics(new SimpleMeterRegistry(), new SocketsPerClient(limits));
        StubSession session = new StubSession();
        AtomicLong seq = new AtomicLong();
        SocketConnection[] connection = new SocketConnection[1];
        connection[0] = new SocketConnection(session, json, queries, new SocketFanOut(), limits, metrics.visitors(),
                event -> null);
        connection[0].identified();
        Function<InboundFrame, Mono<Void>> handler = frame -> Mono.fromRunnable(() -> {
            Message stored = new Message(dialogId, seq.incrementAndGet(), Sender.VISITOR, null, null,
                    frame.text("clientMsgId"), null, Frames.checkedText(frame, 4000), Instant.now());
            connection[0].send(Frames.ack(stored, false));
            connection[0].onEvent(new MessageAppended(stored));
        });
        connection[0].run(handler).subscribe();
        connection[0].follow(dialogId, 0);

        int frames = WARMUP + MEASURED;
        byte[][] payloads = new byte[1000][];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = ("{\"type\":\"message\",\"dialogId\":\"" + dialogId + "\",\"clientMsgId\":\"c-" + i
                    + "\",\"text\":\"bench 1234567890123 Здравствуйте! Подскажите, пожалуйста, сроки подачи "
                    + "документов\"}").getBytes(StandardCharsets.UTF_8);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = 0;
        long cpuBefore = 0;
        Recording recording = null;
        for (int i = 0; i < frames; i++) {
            if (i == WARMUP) {
                recording = record();
                allocatedBefore = allAllocated(threads);
                cpuBefore = threads.getCurrentThreadCpuTime();
            }
            byte[] payload = payloads[i % payloads.length];
            session.inbound.tryEmitNext(new WebSocketMessage(WebSocketMessage.Type.TEXT, buffers.wrap(payload)));
        }
        long allocated = allAllocated(threads) - allocatedBefore;
        long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
        if (recording != null) {
            recording.stop();
            recording.dump(Path.of(System.getProperty("measure.sockets.jfr")));
            recording.close();
        }

        // every message answered (ack) and delivered: 2 frames per message, plus the resumed frame
        assertThat(session.framesOut.get()).isEqualTo(2L * frames + 1);
        System.out.printf("SocketWorkMeasurement: %,d messages measured after %,d: %,d bytes allocated per message, "
                + "%.2f µs CPU per message, %,d bytes written per message%n", MEASURED, WARMUP, allocated / MEASURED,
                cpu / 1000.0 / MEASURED, session.bytesOut.get() / frames);
    }

    /**
     * The heap one idle visitor connection keeps (after full GCs): the connection as a visitor's socket has it after
     * {@code hello} and {@code open} (identified, following one dialog), with its inbound and outbound pipelines
     * subscribed; the stub sessions are created and measured first, so only what the connection adds is counted.
     * Netty's channel and Spring's session wrapper are not in it (bench/run.sh idle measures the whole socket).
     */
    @Test
    void heapPerIdleConnection() {
        int n = Integer.getInteger("measure.sockets.idle", 10_000);
        DialogQueries queries = mock(DialogQueries.class);
        when(queries.messagesAfter(any(), anyLong(), anyLong())).thenReturn(Flux.empty());
        SocketProperties limits = new SocketProperties(4000, 65536, 262144, 20, 40, 512, Duration.ofMinutes(10),
                1_000_000);
        SocketMetrics metrics = new SocketMetrics(new SimpleMeterRegistry(), new SocketsPerClient(limits));
        SocketFanOut bus = new SocketFanOut();
        List<StubSession> sessions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sessions.add(new StubSession());
        }
        List<SocketConnection> connections = new ArrayList<>(n);
        long before = usedAfterGc();
        Map<String, long[]> histogramBefore = histogram();
        for (StubSession session : sessions) {
            SocketConnection connection = new SocketConnection(session, json, queries, bus, limits,
                    metrics.visitors(), event -> null);
            connection.run(frame -> Mono.empty()).subscribe();
            connection.identified();
            connection.follow(UUID.randomUUID(), 0);
            connections.add(connection);
        }
        long after = usedAfterGc();
        Map<String, long[]> histogramAfter = histogram();

        assertThat(metrics.visitors().connected()).isEqualTo(n);
        assertThat(sessions.get(n - 1).framesOut.get()).isEqualTo(1);
        System.out.printf("SocketWorkMeasurement: %,d idle connections: %,d bytes of heap per connection%n",
                connections.size(), (after - before) / n);
        if (histogramAfter != null) {
            histogramAfter.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), new long[] {
                            e.getValue()[0] - histogramBefore.getOrDefault(e.getKey(), new long[2])[0],
                            e.getValue()[1] - histogramBefore.getOrDefault(e.getKey(), new long[2])[1]}))
                    .filter(e -> e.getValue()[1] >= n * 8L)
                    .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                    .limit(40)
                    .forEach(e -> System.out.printf("SocketWorkMeasurement:   %6.2f objects %6d B per connection  %s%n",
                            (double) e.getValue()[0] / n, e.getValue()[1] / n, e.getKey()));
        }
    }

    /** With {@code -Dmeasure.sockets.histogram=true}: the live-object histogram (class: instances, bytes). */
    private static Map<String, long[]> histogram() {
        if (!Boolean.getBoolean("measure.sockets.histogram")) {
            return null;
        }
        try {
            String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            Map<String, long[]> classes = new java.util.HashMap<>();
            for (String line : text.split("\n")) {
                String[] cells = line.trim().split("\\s+");
                if (cells.length >= 4 && cells[0].endsWith(":")) {
                    classes.put(cells[3], new long[] {Long.parseLong(cells[1]), Long.parseLong(cells[2])});
                }
            }
            return classes;
        }
        catch (javax.management.JMException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** With {@code -Dmeasure.sockets.jfr=file.jfr}: a JFR recording (profile settings) of the measured part. */
    private static Recording record() throws IOException, ParseException {
        if (System.getProperty("measure.sockets.jfr") == null) {
            return null;
        }
        Recording recording = new Recording(Configuration.getConfiguration("profile"));
        recording.start();
        return recording;
    }

    private static long allAllocated(com.sun.management.ThreadMXBean threads) {
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, bytes);
        }
        return sum;
    }

    /** A WebSocket session without a network: frames in from a sink, frames out counted and released. */
    private final class StubSession implements WebSocketSession {

        final Sinks.Many<WebSocketMessage> inbound = Sinks.many().unicast().onBackpressureBuffer();

        final AtomicLong framesOut = new AtomicLong();

        final AtomicLong bytesOut = new AtomicLong();

        private final HandshakeInfo handshake = new HandshakeInfo(URI.create("ws://127.0.0.1/ws/visitor?site=x"),
                new HttpHeaders(), new LinkedMultiValueMap<>(), Mono.empty(), null, new InetSocketAddress("127.0.0.2", 40000), Map.of(), "stub");

        @Override
        public String getId() {
            return "stub";
        }

        @Override
        public HandshakeInfo getHandshakeInfo() {
            return handshake;
        }

        @Override
        public DataBufferFactory bufferFactory() {
            return buffers;
        }

        @Override
        public Map<String, Object> getAttributes() {
            return Map.of();
        }

        @Override
        public Flux<WebSocketMessage> receive() {
            return inbound.asFlux();
        }

        @Override
        public Mono<Void> send(Publisher<WebSocketMessage> messages) {
            return Flux.from(messages)
                    .doOnNext(message -> {
                        framesOut.incrementAndGet();
                        bytesOut.addAndGet(message.getPayload().readableByteCount());
                        DataBufferUtils.release(message.getPayload());
                    })
                    .then();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public Mono<Void> close(CloseStatus status) {
            return Mono.empty();
        }

        @Override
        public Mono<CloseStatus> closeStatus() {
            return Mono.never();
        }

        @Override
        public WebSocketMessage textMessage(String payload) {
            return new WebSocketMessage(WebSocketMessage.Type.TEXT,
                    buffers.wrap(payload.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public WebSocketMessage binaryMessage(Function<DataBufferFactory, DataBuffer> payloadFactory) {
            return new WebSocketMessage(WebSocketMessage.Type.BINARY, payloadFactory.apply(buffers));
        }

        @Override
        public WebSocketMessage pingMessage(Function<DataBufferFactory, DataBuffer> payloadFactory) {
            return new WebSocketMessage(WebSocketMessage.Type.PING, payloadFactory.apply(buffers));
        }

        @Override
        public WebSocketMessage pongMessage(Function<DataBufferFactory, DataBuffer> payloadFactory) {
            return new WebSocketMessage(WebSocketMessage.Type.PONG, payloadFactory.apply(buffers));
        }
    }
}
