package ru.rosdistant.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.fail;

/**
 * A real WebSocket client for tests (Reactor Netty), with a blocking, test-friendly face: send a frame,
 * wait for the next frame that matches. Frames received are kept in order.
 */
public final class WsClient implements AutoCloseable {

    private static final JsonMapper json = JsonMapper.builder().build();

    /**
     * Filled on the client's event loop, where BlockHound forbids parking: {@code LinkedBlockingQueue.add} takes
     * the consumer's lock to signal it, and when the test thread held that lock the event loop parked, BlockHound
     * threw, and the client's connection died with 1006 and nothing logged by the gateway (the "other console closed
     * with 1006" and the replays that stopped partway). A transfer queue adds without a lock.
     */
    private final BlockingQueue<JsonNode> received = new LinkedTransferQueue<>();

    private final List<JsonNode> seen = new ArrayList<>();

    private final Sinks.Many<Object> outbound = Sinks.many().unicast().onBackpressureBuffer();

    /**
     * The test clients' own event loops and connections, never disposed: a test class that closes a gateway
     * of its own must not take the sockets of every later test class with it (Reactor Netty's global
     * resources are shared with whatever that context disposed).
     */
    private static final reactor.netty.resources.LoopResources LOOPS =
            reactor.netty.resources.LoopResources.create("ws-test-client", 2, true);

    private static final reactor.netty.resources.ConnectionProvider CONNECTIONS =
            reactor.netty.resources.ConnectionProvider.newConnection();

    private final Sinks.One<Integer> closeCode = Sinks.one();

    /** the close code, once the server closed the socket (for a failure's summary) */
    private volatile Integer closedWith;

    /** the close reason the server gave, once it closed the socket */
    private volatile String closedFor;

    private final Disposable connection;

    /** How and when the connection ended (an error on our side, say a frame we could not read), for a summary. */
    private volatile String ended;

    private WsClient(URI uri, java.util.function.Consumer<HttpHeaders> headers) {
        this(uri, headers, null);
    }

    private WsClient(URI uri, java.util.function.Consumer<HttpHeaders> headers, String fromAddress) {
        Sinks.One<Boolean> opened = Sinks.one();
        HttpClient http = HttpClient.create(CONNECTIONS);
        if (fromAddress != null) {
            http = http.bindAddress(() -> new java.net.InetSocketAddress(fromAddress, 0));
        }
        connection = http
                .runOn(LOOPS)
                .headers(headers)
                .websocket(WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
                .uri(uri)
                .handle((in, out) -> {
                    opened.tryEmitValue(true);
                    in.receiveCloseStatus()
                            .subscribe(status -> {
                                ended = java.time.Instant.now() + " close frame " + status;
                                closedWith = status.code();
                                closedFor = status.reasonText();
                                closeCode.tryEmitValue(status.code());
                            });
                    Mono<Void> reading = in.aggregateFrames(1 << 20)
                            .receive()
                            .asString()
                            .doOnNext(text -> received.add(json.readTree(text)))
                            .then();
                    return out.sendObject(outbound.asFlux().map(frame -> frame instanceof String text
                            ? new io.netty.handler.codec.http.websocketx.TextWebSocketFrame(text) : frame))
                            .then().and(reading);
                })
                .doOnError(error -> opened.tryEmitError(error))
                .subscribe(null, error -> {
                    ended = java.time.Instant.now() + " connection failed: " + error;
                    opened.tryEmitError(error);
                }, () -> {
                    if (ended == null) {
                        ended = java.time.Instant.now() + " connection ended without a close frame";
                    }
                });
        opened.asMono().block(Duration.ofSeconds(30));
    }

    public static WsClient visitor(int port, String site, String origin) {
        return new WsClient(URI.create("ws://localhost:" + port + "/ws/visitor?site=" + site),
                headers -> headers.set("Origin", origin));
    }

    /**
     * A visitor socket from a loopback address of its own (127.x.y.z), seen by the gateway as another client
     * address: for the per-address limits, which the test profile lifts for 127.0.0.1.
     */
    public static WsClient visitorFrom(String address, int port, String site, String origin) {
        return new WsClient(URI.create("ws://127.0.0.1:" + port + "/ws/visitor?site=" + site),
                headers -> headers.set("Origin", origin), address);
    }

    private static final java.util.concurrent.atomic.AtomicInteger nextAddress =
            new java.util.concurrent.atomic.AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 200) * 250);

    /** A loopback address no other test of this run uses (127.1.x.y, apart from FormClient's 127.0.x.y). */
    public static String freshAddress() {
        int n = nextAddress.incrementAndGet();
        return "127.1." + (n / 250 % 250 + 1) + "." + (n % 250 + 2);
    }

    public static WsClient agent(int port, String sessionCookie) {
        return new WsClient(URI.create("ws://localhost:" + port + "/ws/agent"), headers -> {
            headers.set("Origin", "http://localhost:" + port);
            headers.set("Cookie", sessionCookie);
        });
    }

    public static WsClient connect(URI uri, java.util.function.Consumer<HttpHeaders> headers) {
        return new WsClient(uri, headers);
    }

    public WsClient send(String frame) {
        outbound.tryEmitNext(frame);
        return this;
    }

    /**
     * Sends raw bytes as one frame, as a text frame (whatever the bytes, even invalid UTF-8) or a binary one.
     */
    public WsClient sendRaw(byte[] bytes, boolean binary) {
        io.netty.buffer.ByteBuf payload = io.netty.buffer.Unpooled.wrappedBuffer(bytes);
        outbound.tryEmitNext(binary ? new io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame(payload)
                : new io.netty.handler.codec.http.websocketx.TextWebSocketFrame(payload));
        return this;
    }

    public WsClient send(Object frame) {
        return send(json.writeValueAsString(frame));
    }

    /** The next frame (in arrival order) that matches; frames skipped on the way stay in {@link #seen()}. */
    public JsonNode await(Predicate<JsonNode> match, String description) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (System.nanoTime() < deadline) {
                JsonNode frame = received.poll(100, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    seen.add(frame);
                    if (match.test(frame)) {
                        return frame;
                    }
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        dumpThreads();
        return fail("Timed out after 20 s waiting for " + description + "; " + summary());
    }

    /**
     * What this client saw, short enough to read in a build log (a replay of long messages would otherwise put
     * megabytes of frames into the failure): the count of each frame type, the seq range of each dialog's
     * messages with any gap, the close code if the socket was closed, and the last frames abbreviated.
     */
    private String summary() {
        java.util.Map<String, Integer> types = new java.util.TreeMap<>();
        java.util.Map<String, java.util.TreeSet<Long>> seqs = new java.util.TreeMap<>();
        for (JsonNode frame : seen) {
            String type = frame.path("type").asString();
            types.merge(type, 1, Integer::sum);
            if (type.equals("message")) {
                seqs.computeIfAbsent(frame.path("dialogId").asString(), id -> new java.util.TreeSet<>())
                        .add(frame.path("seq").asLong());
            }
        }
        StringBuilder out = new StringBuilder().append(seen.size()).append(" frames seen ").append(types);
        seqs.forEach((dialog, got) -> out.append("; dialog ").append(dialog).append(" messages seq ")
                .append(got.first()).append("..").append(got.last()).append(" (").append(got.size())
                .append(got.size() == got.last() - got.first() + 1 ? ", no gap)" : ", with gaps)"));
        Integer code = closedWith;
        out.append("; socket ").append(code == null ? "open" : "closed with " + code);
        if (ended != null) {
            out.append(" (").append(ended).append(')');
        }
        out.append("; last frames: ");
        seen.subList(Math.max(0, seen.size() - 5), seen.size()).forEach(frame -> {
            String text = frame.toString();
            out.append(text.length() > 200 ? text.substring(0, 200) + "…" : text).append(' ');
        });
        return out.toString();
    }

    /** On a timeout: the threads of the gateway's event loops and workers, and any deadlock, for the log. */
    private static void dumpThreads() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] deadlocked = threads.findDeadlockedThreads();
        StringBuilder out = new StringBuilder("WsClient timeout; deadlocked threads: ")
                .append(deadlocked == null ? "none" : java.util.Arrays.toString(deadlocked)).append('\n');
        for (java.lang.management.ThreadInfo info : threads.dumpAllThreads(true, true)) {
            String name = info.getThreadName();
            if (name.startsWith("reactor-") || name.startsWith("parallel-") || name.startsWith("boundedElastic")
                    || info.getThreadState() == Thread.State.BLOCKED) {
                out.append(info);
            }
        }
        System.out.println(out);
    }

    /**
     * The first frame that matches among those seen so far, or else the next one: for a frame that may come before
     * the one a helper waited for (a dialog already waiting is offered as the agent goes online, possibly before
     * the answer to its {@code presence} that {@code Staff.online} waits for).
     */
    public JsonNode awaitSeenOrNext(Predicate<JsonNode> match, String description) {
        for (JsonNode frame : seen) {
            if (match.test(frame)) {
                return frame;
            }
        }
        return await(match, description);
    }

    public JsonNode awaitType(String type) {
        return await(frame -> type.equals(frame.path("type").asString()), "a '" + type + "' frame");
    }

    /** Waits for a message frame of the dialog with this seq. */
    public JsonNode awaitMessage(String dialogId, long seq) {
        return await(frame -> frame.path("type").asString().equals("message")
                && frame.path("dialogId").asString().equals(dialogId) && frame.path("seq").asLong() == seq,
                "message " + seq + " of " + dialogId);
    }

    /** Frames that arrive within the period, without waiting for any in particular. */
    public List<JsonNode> drain(Duration period) {
        List<JsonNode> frames = new ArrayList<>();
        long deadline = System.nanoTime() + period.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                JsonNode frame = received.poll(20, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    seen.add(frame);
                    frames.add(frame);
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        return frames;
    }

    /** The frames received so far and not yet taken, without waiting. */
    public List<JsonNode> drainNow() {
        List<JsonNode> frames = new ArrayList<>();
        received.drainTo(frames);
        seen.addAll(frames);
        return frames;
    }

    public List<JsonNode> seen() {
        return seen;
    }

    public Integer awaitClose(Duration timeout) {
        return closeCode.asMono().block(timeout);
    }

    /** The reason the server gave with its close frame (null before it closed). */
    public String closeReason() {
        return closedFor;
    }

    @Override
    public void close() {
        outbound.tryEmitComplete();
        connection.dispose();
    }
}
