package ru.rosdistant.gateway.live;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.dialog.MessageAppended;
import ru.rosdistant.gateway.web.ClientAddress;
import ru.rosdistant.gateway.web.TokenBucket;

/**
 * One live socket, visitor's or agent's. Everything it sends passes one bounded queue processed in
 * order, so a socket that stops reading fills only its own queue and is then closed (1013), never slowing
 * anyone else. For each dialog it follows it remembers the highest {@code seq} sent, so each message
 * reaches it exactly once and in order: repeats are dropped and a gap is filled from PostgreSQL.
 */
public final class SocketConnection implements Consumer<Object> {

    private static final Logger log = LoggerFactory.getLogger(SocketConnection.class);

    /** Close code when the outbound queue overflows: the client is too slow and may resume. */
    public static final CloseStatus TOO_SLOW = new CloseStatus(1013, "outbound buffer full, resume");

    /** Close code when the client's address has {@code gateway.socket.max-per-client} sockets open already. */
    public static final CloseStatus TOO_MANY = new CloseStatus(4429, "too many sockets from this address");

    /** Close code when the client has not said who it is within {@code gateway.socket.hello-timeout}. */
    public static final CloseStatus NO_HELLO = new CloseStatus(4408, "no hello in time");

    private sealed interface Item {
    }

    private record Frame(Object frame) implements Item {
    }

    private record Delivered(Message message) implements Item {
    }

    private record Resume(UUID dialogId, long lastSeq) implements Item {
    }

    private final WebSocketSession session;

    /** A frame whose work takes longer than this is logged (it is not cancelled: see {@link #fromStore}). */
    private static final java.time.Duration SLOW_FRAME = java.time.Duration.ofSeconds(10);

    /**
     * A frame whose work has not finished by then (a database that stopped answering) is answered with a
     * retryable error, and the socket's later frames go on; the work itself is not cancelled (see start).
     */
    private static final java.time.Duration FRAME_TIMEOUT = java.time.Duration.ofSeconds(15);

    private final JsonMapper json;

    private final DialogQueries dialogs;

    private final SocketFanOut bus;

    private final SocketProperties limits;

    private final TokenBucket rateLimiter;

    private final Sinks.Many<Item> queue;

    // sized for the usual one dialog (a visitor's); they grow for an agent's several
    private final Map<UUID, Long> sentSeq = new ConcurrentHashMap<>(1);

    private final Map<UUID, Disposable> following = new ConcurrentHashMap<>(1);

    private final Function<Object, Object> otherEvents;

    private final SocketMetrics.Side metrics;

    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();

    private volatile boolean closed;

    /** The client said who it is (a visitor's hello; an agent at once, by the session checked before the upgrade). */
    private volatile boolean identified;

    /** Closes the socket if no hello comes in time; null once the client is identified. */
    private volatile Disposable helloTimer;

    private final AtomicBoolean shutDown = new AtomicBoolean();

    /** Watches frames at work for {@link #SLOW_FRAME}; ticks every 100 ms on one daemon thread. */
    private static final HashedWheelTimer WATCHDOG = new HashedWheelTimer(
            new DefaultThreadFactory("frame-watchdog", true), 100, TimeUnit.MILLISECONDS);

    /** Message frames handed over at most before the next frame waits for them to be stored. */
    private static final int PIPELINED = 32;

    /** Message frames handed over and not finished yet. */
    private final AtomicInteger outstanding = new AtomicInteger();

    /**
     * Completed when no message frame is outstanding any more; set by the inbound pipeline only, while it waits
     * (see {@link #afterOutstanding()}): a message costs a counter, not a future.
     */
    private volatile CompletableFuture<Void> allFinished;

    /** Frames queued and not yet taken by the outbound pipeline. */
    private final AtomicInteger queued = new AtomicInteger();

    /** The inbound pipeline waits on this while half the outbound bound is queued (see {@link #roomToAnswer()}). */
    private volatile CompletableFuture<Void> drained;

    /**
     * @param otherEvents turns a live event other than a stored message into a frame for this side, or
     * null to skip it
     */
    public SocketConnection(WebSocketSession session, JsonMapper json, DialogQueries dialogs, SocketFanOut bus,
            SocketProperties limits, SocketMetrics.Side metrics, Function<Object, Object> otherEvents) {
        this.session = session;
        this.json = json;
        this.dialogs = dialogs;
        this.bus = bus;
        this.limits = limits;
        this.otherEvents = otherEvents;
        this.metrics = metrics;
        this.rateLimiter = new TokenBucket(limits.framesPerSecond(), limits.burst());
        // A linked queue grown in chunks of 16: an idle socket holds one small chunk, not an array of
        // outbound-buffer slots (2 KiB and more per connection); the bound is counted in `queued`.
        this.queue = Sinks.many().unicast().onBackpressureBuffer(Queues.<Item>unbounded(16).get());
    }

    /**
     * Runs the socket: frames from the client go in order to {@code handler}, one at a time except that
     * consecutive messages are stored in a pipeline (their acks may come before the work of the next frame
     * starts, never after a later frame's answer); a refused frame gets an
     * error frame and the socket stays open.
     */
    public Mono<Void> run(Function<InboundFrame, Mono<Void>> handler) {
        if (!metrics.opened(this)) {
            // the gateway is stopping: the socket goes away at once and says so (1001), rather than staying
            // open with every answer dropped
            closed = true;
            return session.close(CloseStatus.GOING_AWAY).doFinally(signal -> shutdown());
        }
        String client = ClientAddress.of(session.getHandshakeInfo().getRemoteAddress());
        if (!metrics.perClient().take(client)) {
            closed = true;
            return session.close(TOO_MANY).doFinally(signal -> shutdown());
        }
        onClose(() -> metrics.perClient().release(client));
        if (!identified) {
            helloTimer = Mono.delay(limits.helloTimeout())
                    .subscribe(tick -> {
                        if (!identified && !closed) {
                            closed = true;
                            releaseInbound();
                            closeWith(NO_HELLO);
                        }
                    });
        }
        Mono<Void> inbound = session.receive()
                .map(this::read)
                // no prefetch: Reactor Netty already queues what the client sent, and an idle socket then
                // holds no 32-slot queue of its own
                .concatMap(frame -> handle(frame, handler), 0)
                .doFinally(signal -> shutdown())
                .then();
        Mono<Void> outbound = session.send(queue.asFlux()
                .doOnNext(item -> {
                    if (queued.decrementAndGet() < limits.outboundBuffer() / 2) {
                        CompletableFuture<Void> waiting = drained;
                        if (waiting != null) {
                            waiting.complete(null);
                        }
                    }
                })
                .concatMap(this::render)
                // UTF-8 bytes straight from Jackson: no String of the frame, no second encoding pass
                .map(bytes -> new WebSocketMessage(WebSocketMessage.Type.TEXT, session.bufferFactory().wrap(bytes))));
        return Mono.zip(inbound, outbound)
                .then()
                .doOnError(error -> log.info("A socket ended with an error ({} frames queued): {}", queued.get(),
                        error.toString()));
    }

    /**
     * The client has said who it is: the socket is no longer closed for want of a {@code hello}. Before {@link #run},
     * no timer is started at all.
     */
    public void identified() {
        identified = true;
        cancelHelloTimer();
    }

    /** An identified or closed socket keeps no timer (with a long hello-timeout, thousands of idle sockets would). */
    private void cancelHelloTimer() {
        Disposable timer = helloTimer;
        if (timer != null) {
            helloTimer = null;
            timer.dispose();
        }
    }

    /** Counts a message received from this client and stored. */
    public void countIn() {
        metrics.received();
    }

    /** Sends a frame (already a JSON-able object). */
    public void send(Object frame) {
        enqueue(new Frame(frame));
    }

    public void sendError(ErrorCode code, String message, String ref) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "error");
        frame.put("code", code.name());
        frame.put("message", message);
        if (ref != null) {
            frame.put("ref", ref);
        }
        frame.put("retryable", code.retryable());
        send(frame);
    }

    /**
     * Follows a dialog from {@code lastSeq}: replays every later message from PostgreSQL, then
     * {@code resumed}, then live traffic. The replay is queued before the live listener is registered, so
     * nothing falls between the two.
     */
    public void follow(UUID dialogId, long lastSeq) {
        enqueue(new Resume(dialogId, lastSeq));
        following.computeIfAbsent(dialogId, id -> bus.followDialog(id, this));
    }

    public boolean follows(UUID dialogId) {
        return following.containsKey(dialogId);
    }

    public void unfollow(UUID dialogId) {
        Disposable registration = following.remove(dialogId);
        if (registration != null) {
            registration.dispose();
        }
        sentSeq.remove(dialogId);
    }

    /**
     * A live event for this socket. The connection itself is the listener registered for each dialog it follows and,
     * on a console, for its agent, so the fan-out hands an event that concerns both to it once.
     */
    @Override
    public void accept(Object event) {
        onEvent(event);
    }

    public void onEvent(Object event) {
        if (event instanceof MessageAppended appended) {
            enqueue(new Delivered(appended.message()));
            return;
        }
        Object frame = otherEvents.apply(event);
        if (frame != null) {
            send(frame);
        }
    }

    /** Runs when the socket is gone; extra clean-up of the owner (presence, say). */
    public void onClose(Runnable action) {
        closeActions.add(action);
    }

    private void shutdown() {
        if (!shutDown.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        metrics.closed(this);
        cancelHelloTimer();
        following.values().forEach(Disposable::dispose);
        following.clear();
        closeActions.forEach(action -> {
            try {
                action.run();
            }
            catch (RuntimeException ex) {
                log.warn("A close action failed", ex);
            }
        });
        synchronized (this) {
            queue.tryEmitComplete();
        }
        releaseInbound();
    }

    /** The socket is closing: a frame waiting for room to answer goes on (its answer is dropped). */
    private void releaseInbound() {
        CompletableFuture<Void> waiting = drained;
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /**
     * Tells the client the gateway is going away (1001). Frames still queued are not needed: everything
     * they carry is in PostgreSQL and comes back with the resume.
     */
    void goAway() {
        closed = true;
        releaseInbound();
        closeWith(CloseStatus.GOING_AWAY);
    }

    /**
     * Closes the socket with {@code status}. The client may have closed it a moment before (a shutdown meets
     * hundreds that are going anyway): then there is nothing to close and nothing to report.
     */
    private void closeWith(CloseStatus status) {
        session.close(status).subscribe(null, error -> log.debug("Socket already gone when closing it with {}: {}",
                status.getCode(), error.toString()));
    }

    private void enqueue(Item item) {
        if (closed) {
            return;
        }
        if (queued.incrementAndGet() > limits.outboundBuffer()) {
            log.info("Closing a socket whose outbound queue is full ({} frames)", limits.outboundBuffer());
            metrics.closingTooSlow();
            closed = true;
            releaseInbound();
            closeWith(TOO_SLOW);
            return;
        }
        // Producers are many threads (bus listeners, the inbound pipeline); the sink wants one at a time.
        synchronized (this) {
            queue.tryEmitNext(item);
        }
    }

    private Object read(WebSocketMessage message) {
        if (message.getType() != WebSocketMessage.Type.TEXT) {
            return new FrameException(ErrorCode.BAD_JSON, "Only text frames with a JSON object are accepted");
        }
        int bytes = message.getPayload().readableByteCount();
        if (bytes > limits.maxFrameBytes()) {
            return new FrameException(ErrorCode.FRAME_TOO_LARGE,
                    "The frame has " + bytes + " bytes, more than " + limits.maxFrameBytes());
        }
        try (InputStream in = message.getPayload().asInputStream()) {
            // parsed from the payload's bytes: no String of the whole frame
            JsonNode node = json.readTree(in);
            if (node == null || !node.isObject()) {
                return new FrameException(ErrorCode.BAD_JSON, "A frame must be a JSON object");
            }
            JsonNode type = node.get("type");
            if (type == null || !type.isString()) {
                return new FrameException(ErrorCode.UNKNOWN_TYPE, "The frame has no 'type'");
            }
            if (hasNul(node)) {
                // PostgreSQL text cannot hold U+0000: refuse the frame rather than fail on storing it
                return new FrameException(ErrorCode.INVALID_FIELD, "Text may not contain the character U+0000");
            }
            return new InboundFrame(type.asString(), node);
        }
        catch (JacksonException | IOException ex) {
            return new FrameException(ErrorCode.BAD_JSON, "The frame is not valid JSON");
        }
    }

    private static boolean hasNul(JsonNode node) {
        if (node.isString()) {
            return node.asString().indexOf('\u0000') >= 0;
        }
        if (node.isContainer()) {
            for (JsonNode child : node) {
                if (hasNul(child)) {
                    return true;
                }
            }
            if (node.isObject()) {
                for (String name : node.propertyNames()) {
                    if (name.indexOf('\u0000') >= 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Flow control: while half of the outbound bound is queued, the client's next frame is not read. A burst of
     * frames that arrives in one read (a flood of pings, a paste of many messages) would otherwise queue an
     * answer for each before the first is written, and the socket would be closed as a slow consumer although
     * the client reads. A client that stops reading stops its own frames being answered; what others send it
     * still fills its queue and closes it at the bound (1013), as before.
     */
    private Mono<Void> roomToAnswer() {
        if (queued.get() < limits.outboundBuffer() / 2) {
            return Mono.empty();
        }
        CompletableFuture<Void> waiting = new CompletableFuture<>();
        drained = waiting;
        if (queued.get() < limits.outboundBuffer() / 2 || closed) {
            waiting.complete(null);
        }
        return Mono.fromFuture(waiting, true);
    }

    private Mono<Void> handle(Object read, Function<InboundFrame, Mono<Void>> handler) {
        if (read instanceof InboundFrame frame && frame.type().equals("message")
                && queued.get() < limits.outboundBuffer() / 2 && outstanding.get() < PIPELINED) {
            // the usual case, without an operator chain per frame: room to answer and room in the pipeline
            if (rateLimiter.tryAcquire()) {
                startMessage(frame, handler);
            }
            else {
                sendError(ErrorCode.RATE_LIMITED, "Too many frames, slow down", frame.ref());
            }
            return Mono.empty();
        }
        return roomToAnswer().then(Mono.defer(() -> handleNow(read, handler)));
    }

    private Mono<Void> handleNow(Object read, Function<InboundFrame, Mono<Void>> handler) {
        if (read instanceof FrameException refused) {
            sendError(refused.code(), refused.getMessage(), null);
            return Mono.empty();
        }
        InboundFrame frame = (InboundFrame) read;
        if (!rateLimiter.tryAcquire()) {
            sendError(ErrorCode.RATE_LIMITED, "Too many frames, slow down", frame.ref());
            return Mono.empty();
        }
        if (frame.type().equals("ping")) {
            // like any other frame, answered after the messages sent before it
            return afterOutstanding().then(Mono.fromRunnable(() -> send(Map.of("type", "pong"))));
        }
        if (frame.type().equals("message")) {
            // A message does not wait for the one before it to be stored: it is handed over at once (stores
            // keep the order they are given, see AppendBatches), so one socket's rate is not bounded by the
            // time of a commit. At most PIPELINED are outstanding; any other frame waits for them all.
            Mono<Void> room = outstanding.get() < PIPELINED ? Mono.empty() : afterOutstanding();
            return room.then(Mono.fromRunnable(() -> startMessage(frame, handler)));
        }
        return afterOutstanding().then(Mono.fromFuture(() -> start(frame, handler), true)
                .timeout(FRAME_TIMEOUT, Mono.fromRunnable(() -> {
                    log.warn("Frame '{}' (ref {}) got no answer within {} s; the client is told to try again",
                            frame.type(), frame.ref(), FRAME_TIMEOUT.toSeconds());
                    sendError(ErrorCode.STORAGE_UNAVAILABLE, "No answer from the message store in time, try again",
                            frame.ref());
                })));
    }

    /** Completes when no message frame is outstanding (at once when none is). */
    private Mono<Void> afterOutstanding() {
        return Mono.defer(() -> {
            if (outstanding.get() == 0) {
                return Mono.empty();
            }
            CompletableFuture<Void> waiting = new CompletableFuture<>();
            allFinished = waiting;
            // a message that finished between the test above and now may have missed the new future
            if (outstanding.get() == 0) {
                waiting.complete(null);
            }
            return Mono.fromFuture(waiting, true);
        });
    }

    /** Hands a message frame over; like {@link #start} it runs to its end even if the socket drops meanwhile. */
    private void startMessage(InboundFrame frame, Function<InboundFrame, Mono<Void>> handler) {
        outstanding.incrementAndGet();
        Mono<Void> work;
        try {
            work = handler.apply(frame);
        }
        catch (RuntimeException ex) {
            work = Mono.error(ex);
        }
        work.subscribe(new MessageWork(frame));
    }

    private void messageFinished() {
        if (outstanding.decrementAndGet() == 0) {
            CompletableFuture<Void> waiting = allFinished;
            if (waiting != null) {
                waiting.complete(null);
            }
        }
    }

    /**
     * Starts a frame's work. Once started it runs to its end even if the socket drops meanwhile: cancelling
     * a half-done transaction would leave its connection and row locks behind. The future never fails: an
     * error is answered with an error frame.
     */
    private CompletableFuture<Void> start(InboundFrame frame, Function<InboundFrame, Mono<Void>> handler) {
        Timeout watchdog = watch(frame);
        return Mono.defer(() -> handler.apply(frame))
                .doFinally(signal -> watchdog.cancel())
                .onErrorResume(error -> {
                    reportError(error, frame);
                    return Mono.empty();
                })
                .toFuture();
    }

    /**
     * Logs a frame whose work has been running for {@link #SLOW_FRAME} (it is not cancelled). One wheel timer for all
     * sockets: a frame costs one small timeout object, not a scheduled task of the parallel scheduler.
     */
    private static Timeout watch(InboundFrame frame) {
        return WATCHDOG.newTimeout(timeout -> log.warn("Frame '{}' (ref {}) has been running for {} s: {}",
                frame.type(), frame.ref(), SLOW_FRAME.toSeconds(), frame.body().toString().length() > 300
                        ? frame.body().toString().substring(0, 300) : frame.body().toString()),
                SLOW_FRAME.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The work of one message frame: its watchdog, its error frame, and the count of outstanding messages. */
    private final class MessageWork implements CoreSubscriber<Void> {

        private final InboundFrame frame;

        private final Timeout watchdog;

        MessageWork(InboundFrame frame) {
            this.frame = frame;
            this.watchdog = watch(frame);
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Void nothing) {
        }

        @Override
        public void onError(Throwable error) {
            watchdog.cancel();
            reportError(error, frame);
            messageFinished();
        }

        @Override
        public void onComplete() {
            watchdog.cancel();
            messageFinished();
        }
    }

    private void reportError(Throwable error, InboundFrame frame) {
        if (error instanceof FrameException refused) {
            sendError(refused.code(), refused.getMessage(), frame.ref());
        }
        else if (error instanceof DialogException failed) {
            sendError(ErrorCode.valueOf(failed.reason().name()), failed.getMessage(), frame.ref());
        }
        else if (ru.rosdistant.gateway.shared.StorageOutage.is(error)) {
            log.warn("Frame '{}' (ref {}) could not reach the database: {}", frame.type(), frame.ref(), error.toString());
            sendError(ErrorCode.STORAGE_UNAVAILABLE, "The message store is unavailable, try again", frame.ref());
        }
        else {
            log.error("Frame '{}' (ref {}) failed", frame.type(), frame.ref(), error);
            sendError(ErrorCode.INTERNAL, "Something went wrong on our side; try again", frame.ref());
        }
    }

    private Flux<byte[]> render(Item item) {
        if (item instanceof Delivered delivered) {
            return deliver(delivered.message());
        }
        if (item instanceof Resume resume) {
            return replay(resume);
        }
        return Flux.just(json.writeValueAsBytes(((Frame) item).frame()));
    }

    private Flux<byte[]> deliver(Message message) {
        Long sent = sentSeq.get(message.dialogId());
        if (sent == null || message.seq() <= sent) {
            return Flux.empty();
        }
        if (message.seq() == sent + 1) {
            sentSeq.put(message.dialogId(), message.seq());
            return Flux.just(encode(message));
        }
        return fromStore(message.dialogId(), sent, message.seq());
    }

    private Flux<byte[]> replay(Resume resume) {
        sentSeq.put(resume.dialogId(), resume.lastSeq());
        return fromStore(resume.dialogId(), resume.lastSeq(), Long.MAX_VALUE)
                .concatWith(Mono.fromSupplier(() -> json.writeValueAsBytes(Map.of("type", "resumed", "dialogId",
                        resume.dialogId(), "lastSeq", sentSeq.getOrDefault(resume.dialogId(), resume.lastSeq())))));
    }

    /**
     * The messages are read to the end even when the socket closes meanwhile: cancelling an R2DBC query in
     * flight can leave its pooled connection with an undrained conversation, and every later query on that
     * connection then hangs without an error (see jOOQ#20112, r2dbc-pool#198). So the read is detached
     * from the socket's cancellation, like a frame's work.
     */
    private Flux<byte[]> fromStore(UUID dialogId, long after, long until) {
        return Mono.fromFuture(() -> dialogs.messagesAfter(dialogId, after, until).collectList().toFuture(), true)
                // every later frame of this socket waits behind this read: past SLOW_FRAME stop waiting (the
                // read itself is not cancelled) and let the client resume again
                .timeout(SLOW_FRAME)
                .doOnError(java.util.concurrent.TimeoutException.class, timeout -> log.warn(
                        "Reading dialog {} after seq {} for a socket took over {} s; the socket goes on without it",
                        dialogId, after, SLOW_FRAME.toSeconds()))
                .flatMapMany(Flux::fromIterable)
                .filter(message -> message.seq() > sentSeq.getOrDefault(message.dialogId(), Long.MAX_VALUE))
                .doOnNext(message -> sentSeq.put(message.dialogId(), message.seq()))
                .map(this::encode)
                .onErrorResume(error -> {
                    log.warn("Could not read dialog {} after seq {}", dialogId, after, error);
                    return Flux.just(json.writeValueAsBytes(Map.of("type", "error", "code",
                            ErrorCode.STORAGE_UNAVAILABLE.name(), "message",
                            "Could not load the dialog's messages; send resume again", "dialogId", dialogId,
                            "retryable", true)));
                });
    }

    private byte[] encode(Message message) {
        metrics.sent();
        return json.writeValueAsBytes(Frames.message(message));
    }
}
