package ru.rosdistant.gateway.live;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Consumer;
import java.util.function.Function;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
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
import ru.rosdistant.gateway.shared.LiveEvent;
import ru.rosdistant.gateway.web.ClientAddress;
import ru.rosdistant.gateway.web.TokenBucket;

/**
 * One live socket, visitor's or agent's. Everything it sends passes one bounded queue processed in
 * order, so a socket that stops reading fills only its own queue and is then closed (1013), never slowing
 * anyone else. For each dialog it follows it remembers the highest {@code seq} sent, so each message
 * reaches it exactly once and in order: repeats are dropped and a gap is filled from PostgreSQL.
 *
 * <p>Thousands of its sockets sit idle, so what an idle one keeps is counted in bytes (docs/benchmarks.md, "Heap per
 * idle socket"): the outbound queue is a linked list of the items themselves and is also what Reactor Netty sends
 * from ({@link DirectSocket}); the dialog a visitor follows is one small object, a map only from an agent's second;
 * counters are fields, not atomic objects.
 */
public final class SocketConnection implements Consumer<LiveEvent> {

    private static final Logger log = LoggerFactory.getLogger(SocketConnection.class);

    /** Close code when the outbound queue overflows: the client is too slow and may resume. */
    public static final CloseStatus TOO_SLOW = new CloseStatus(1013, "outbound buffer full, resume");

    /** Close code when the client's address has {@code gateway.socket.max-per-client} sockets open already. */
    public static final CloseStatus TOO_MANY = new CloseStatus(4429, "too many sockets from this address");

    /** Close code when the client has not said who it is within {@code gateway.socket.hello-timeout}. */
    public static final CloseStatus NO_HELLO = new CloseStatus(4408, "no hello in time");

    /** What waits in the outbound queue; linked through {@code next}, so queueing allocates no node. */
    private abstract static sealed class Item permits Frame, Delivered, Resume {

        Item next;
    }

    private static final class Frame extends Item {

        final Object frame;

        Frame(Object frame) {
            this.frame = frame;
        }
    }

    private static final class Delivered extends Item {

        final Message message;

        Delivered(Message message) {
            this.message = message;
        }
    }

    private static final class Resume extends Item {

        final UUID dialogId;

        final long lastSeq;

        Resume(UUID dialogId, long lastSeq) {
            this.dialogId = dialogId;
            this.lastSeq = lastSeq;
        }
    }

    private final WebSocketSession session;

    /** A frame whose work takes longer than this is logged (it is not cancelled: see {@link Replay}). */
    private static final java.time.Duration SLOW_FRAME = java.time.Duration.ofSeconds(10);

    /**
     * A frame whose work has not finished by then (a database that stopped answering) is answered with a
     * retryable error, and the socket's later frames go on; the work itself is not cancelled (see start).
     */
    private static final java.time.Duration FRAME_TIMEOUT = java.time.Duration.ofSeconds(15);

    /** {@link Followed#sentSeq} before the dialog's resume was sent. */
    private static final long NOT_SENT = -1;

    private static final Runnable[] NO_ACTIONS = {};

    private final JsonMapper json;

    private final DialogQueries dialogs;

    private final SocketFanOut bus;

    private final SocketProperties limits;

    private final TokenBucket rateLimiter;

    /** The outbound queue and the publisher the socket sends from; it is also the lock of the fields marked so. */
    private final Outbound outbound = new Outbound();

    /**
     * The dialogs followed, with the highest seq sent of each (guarded by {@link #outbound}): a visitor's one in a
     * field, an agent's others in a map made for the second.
     */
    private Followed firstDialog;

    private Map<UUID, Followed> moreDialogs;

    private final Function<LiveEvent, Object> otherEvents;

    private final SocketMetrics.Side metrics;

    /** Guarded by {@link #outbound}; replaced whole when one is added. */
    private Runnable[] closeActions = NO_ACTIONS;

    /** The client's address as every per-client limit takes it (trusted proxies resolved). */
    private final String client;

    /** The socket holds one of its client address's places (guarded by {@link #outbound}). */
    private boolean holdsPlace;

    private volatile boolean closed;

    /** The client said who it is (a visitor's hello; an agent at once, by the session checked before the upgrade). */
    private volatile boolean identified;

    /** Closes the socket if no hello comes in time; null once the client is identified. */
    private volatile Disposable helloTimer;

    private volatile int shutDown;

    private static final AtomicIntegerFieldUpdater<SocketConnection> SHUT_DOWN =
            AtomicIntegerFieldUpdater.newUpdater(SocketConnection.class, "shutDown");

    /** Watches frames at work for {@link #SLOW_FRAME}; ticks every 100 ms on one daemon thread. */
    private static final HashedWheelTimer WATCHDOG = new HashedWheelTimer(
            new DefaultThreadFactory("frame-watchdog", true), 100, TimeUnit.MILLISECONDS);

    /** Message frames handed over at most before the next frame waits for them to be stored. */
    private static final int PIPELINED = 32;

    /** Message frames handed over and not finished yet. */
    private volatile int outstanding;

    private static final AtomicIntegerFieldUpdater<SocketConnection> OUTSTANDING =
            AtomicIntegerFieldUpdater.newUpdater(SocketConnection.class, "outstanding");

    /**
     * Completed when no message frame is outstanding any more; set by the inbound pipeline only, while it waits
     * (see {@link #afterOutstanding()}): a message costs a counter, not a future.
     */
    private volatile CompletableFuture<Void> allFinished;

    /** Frames queued and not yet taken by the outbound pipeline. */
    private volatile int queued;

    private static final AtomicIntegerFieldUpdater<SocketConnection> QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(SocketConnection.class, "queued");

    /** The inbound pipeline waits on this while half the outbound bound is queued (see {@link #roomToAnswer()}). */
    private volatile CompletableFuture<Void> drained;

    /**
     * @param otherEvents turns a live event other than a stored message into a frame for this side, or
     * null to skip it
     */
    public SocketConnection(WebSocketSession session, JsonMapper json, DialogQueries dialogs, SocketFanOut bus,
            SocketProperties limits, SocketMetrics.Side metrics, Function<LiveEvent, Object> otherEvents) {
        this.session = session;
        this.json = json;
        this.dialogs = dialogs;
        this.bus = bus;
        this.limits = limits;
        this.otherEvents = otherEvents;
        this.metrics = metrics;
        this.rateLimiter = new TokenBucket(limits.framesPerSecond(), limits.burst());
        this.client = ClientAddress.of(session.getHandshakeInfo().getRemoteAddress());
    }

    /** The client's address as every per-client limit takes it (trusted proxies resolved). */
    public String clientAddress() {
        return client;
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
        if (!metrics.perClient().take(client)) {
            closed = true;
            return session.close(TOO_MANY).doFinally(signal -> shutdown());
        }
        synchronized (outbound) {
            holdsPlace = true;
        }
        if (shutDown != 0) {
            // closed meanwhile: the place goes back now
            releaseClient();
        }
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
        // Reactor Netty takes the frames straight from the socket's own queue: no operator chain on the way out
        Mono<Void> outbound = session instanceof DirectSocket direct ? direct.sendFrames(this.outbound)
                : session.send(Flux.from(this.outbound).cast(WebSocketMessage.class));
        return new Running(handler, outbound);
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
        synchronized (outbound) {
            if (shutDown != 0) {
                // gone meanwhile: a listener registered now would never be removed
                return;
            }
            Followed followed = followedOrNew(dialogId);
            if (!followed.listening) {
                followed.listening = true;
                bus.addDialogListener(dialogId, this);
            }
        }
    }

    public boolean follows(UUID dialogId) {
        synchronized (outbound) {
            Followed followed = followed(dialogId);
            return followed != null && followed.listening;
        }
    }

    public void unfollow(UUID dialogId) {
        synchronized (outbound) {
            Followed followed = followed(dialogId);
            if (followed != null) {
                stopListening(followed);
                forget(followed);
            }
        }
    }

    /** A dialog followed, or whose seq is kept: guarded by {@link #outbound}. */
    private Followed followed(UUID dialogId) {
        Followed first = firstDialog;
        if (first != null && first.dialogId.equals(dialogId)) {
            return first;
        }
        Map<UUID, Followed> more = moreDialogs;
        return more == null ? null : more.get(dialogId);
    }

    private Followed followedOrNew(UUID dialogId) {
        Followed followed = followed(dialogId);
        if (followed != null) {
            return followed;
        }
        followed = new Followed(dialogId);
        if (firstDialog == null) {
            firstDialog = followed;
        }
        else {
            if (moreDialogs == null) {
                moreDialogs = new HashMap<>(4);
            }
            moreDialogs.put(dialogId, followed);
        }
        return followed;
    }

    private void forget(Followed followed) {
        if (firstDialog == followed) {
            firstDialog = null;
        }
        else if (moreDialogs != null) {
            moreDialogs.remove(followed.dialogId);
            if (moreDialogs.isEmpty()) {
                moreDialogs = null;
            }
        }
    }

    private void stopListening(Followed followed) {
        if (followed.listening) {
            followed.listening = false;
            bus.unfollowDialog(followed.dialogId, this);
        }
    }

    /**
     * A dialog this socket follows: its listener in the fan-out, and the highest seq sent (each message reaches the
     * socket once and in order). Its fields are guarded by {@link #outbound}.
     */
    private static final class Followed {

        final UUID dialogId;

        long sentSeq = NOT_SENT;

        /** whether this connection is registered with the fan-out for the dialog */
        boolean listening;

        Followed(UUID dialogId) {
            this.dialogId = dialogId;
        }
    }

    /**
     * A live event for this socket. The connection itself is the listener registered for each dialog it follows and,
     * on a console, for its agent, so the fan-out hands an event that concerns both to it once.
     */
    @Override
    public void accept(LiveEvent event) {
        onEvent(event);
    }

    public void onEvent(LiveEvent event) {
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
        synchronized (outbound) {
            Runnable[] actions = Arrays.copyOf(closeActions, closeActions.length + 1);
            actions[closeActions.length] = action;
            closeActions = actions;
        }
    }

    private void shutdown() {
        if (!SHUT_DOWN.compareAndSet(this, 0, 1)) {
            return;
        }
        closed = true;
        metrics.closed(this);
        cancelHelloTimer();
        releaseClient();
        Runnable[] actions;
        synchronized (outbound) {
            if (firstDialog != null) {
                stopListening(firstDialog);
            }
            if (moreDialogs != null) {
                moreDialogs.values().forEach(this::stopListening);
            }
            actions = closeActions;
        }
        for (Runnable action : actions) {
            try {
                action.run();
            }
            catch (RuntimeException ex) {
                log.warn("A close action failed", ex);
            }
        }
        outbound.complete();
        releaseInbound();
    }

    /** Gives the client address's place back, once. */
    private void releaseClient() {
        boolean held;
        synchronized (outbound) {
            held = holdsPlace;
            holdsPlace = false;
        }
        if (held) {
            metrics.perClient().release(client);
        }
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
        if (QUEUED.incrementAndGet(this) > limits.outboundBuffer()) {
            log.info("Closing a socket whose outbound queue is full ({} frames)", limits.outboundBuffer());
            metrics.closingTooSlow();
            closed = true;
            releaseInbound();
            closeWith(TOO_SLOW);
            return;
        }
        outbound.add(item);
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
        if (queued < limits.outboundBuffer() / 2) {
            return Mono.empty();
        }
        CompletableFuture<Void> waiting = new CompletableFuture<>();
        drained = waiting;
        if (queued < limits.outboundBuffer() / 2 || closed) {
            waiting.complete(null);
        }
        return Mono.fromFuture(waiting, true);
    }

    private Mono<Void> handle(Object read, Function<InboundFrame, Mono<Void>> handler) {
        if (read instanceof InboundFrame frame && frame.type().equals("message")
                && queued < limits.outboundBuffer() / 2 && outstanding < PIPELINED) {
            // the usual case, without an operator chain per frame: room to answer and room in the pipeline
            if (rateLimiter.tryAcquire()) {
                startMessage(frame, handler);
            }
            else {
                sendError(ErrorCode.RATE_LIMITED, "Too many frames, slow down", frame.ref());
            }
            return null;
        }
        return roomToAnswer().then(Mono.defer(() -> handleNow(read, handler)));
    }

    /**
     * The socket at work, as the one {@code Mono} its handler returns: the inbound pipeline (frames from the client,
     * read and handled one at a time in order: the next is requested when the one before is done, and a message
     * frame is done when it is handed over, see {@link #handle}) and the outbound one ({@link Outbound} sent). One
     * object per socket instead of chains of operators (map, concatMap, doFinally, zip …). The first of the two to
     * end ends the other (as {@code Mono.zip} of both did), and then the socket shuts down.
     */
    private final class Running extends Mono<Void> implements CoreSubscriber<WebSocketMessage>, Subscription {

        private final Function<InboundFrame, Mono<Void>> handler;

        /** Until subscribed: the outbound pipeline's Mono. */
        private Mono<Void> outboundSent;

        private final SentEnd sent = new SentEnd();

        private volatile CoreSubscriber<? super Void> actual;

        private volatile Subscription upstream;

        /** The work of the frame being handled, when it did not finish at once (guarded by this). */
        private FrameWork working;

        private boolean upstreamDone;

        private boolean ended;

        /** Requests pending: the next frame is requested in a loop, not from inside the one before's onNext. */
        volatile int requests;

        Running(Function<InboundFrame, Mono<Void>> handler, Mono<Void> outboundSent) {
            this.handler = handler;
            this.outboundSent = outboundSent;
        }

        @Override
        public void subscribe(CoreSubscriber<? super Void> subscriber) {
            actual = subscriber;
            Mono<Void> sending = outboundSent;
            outboundSent = null;
            session.receive().subscribe(this);
            sending.subscribe(sent);
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            upstream = subscription;
            actual.onSubscribe(this);
            next();
        }

        @Override
        public void onNext(WebSocketMessage message) {
            Mono<Void> work;
            try {
                work = SocketConnection.this.handle(read(message), handler);
            }
            catch (RuntimeException ex) {
                end(ex);
                return;
            }
            if (work == null) {
                next();
                return;
            }
            FrameWork frame = new FrameWork();
            synchronized (this) {
                working = frame;
            }
            work.subscribe(frame);
        }

        @Override
        public void onError(Throwable error) {
            // as concatMap: the error ends the pipeline at once (a frame's own work is not cancelled by this)
            end(error);
        }

        @Override
        public void onComplete() {
            synchronized (this) {
                upstreamDone = true;
                if (working != null) {
                    // ends when the last frame's work has
                    return;
                }
            }
            end(null);
        }

        @Override
        public reactor.util.context.Context currentContext() {
            return actual.currentContext();
        }

        /** Requests the next frame; re-entered from its onNext, it only counts, and the outer call requests again. */
        private void next() {
            if (INBOUND_REQUESTS.getAndIncrement(this) != 0) {
                return;
            }
            do {
                upstream.request(1);
            }
            while (INBOUND_REQUESTS.decrementAndGet(this) != 0);
        }

        private void frameDone(FrameWork frame, Throwable error) {
            boolean last;
            synchronized (this) {
                if (working != frame) {
                    return;
                }
                working = null;
                last = upstreamDone;
            }
            if (error != null) {
                end(error);
            }
            else if (last) {
                end(null);
            }
            else {
                next();
            }
        }

        /** The first end of either pipeline: the other is cancelled, the handler's Mono ends, the socket shuts down. */
        private void end(Throwable error) {
            FrameWork frame;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                frame = working;
                working = null;
            }
            if (upstream != null) {
                upstream.cancel();
            }
            if (frame != null) {
                frame.cancel();
            }
            sent.cancel();
            if (error == null) {
                actual.onComplete();
            }
            else {
                log.info("A socket ended with an error ({} frames queued): {}", queued, error.toString());
                actual.onError(error);
            }
            shutdown();
        }

        @Override
        public void request(long n) {
            // Mono<Void>: nothing to deliver but the end
        }

        @Override
        public void cancel() {
            FrameWork frame;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                frame = working;
                working = null;
            }
            if (upstream != null) {
                upstream.cancel();
            }
            if (frame != null) {
                frame.cancel();
            }
            sent.cancel();
            shutdown();
        }

        /** The end of the outbound pipeline (its frames sent, or the channel gone). */
        private final class SentEnd extends VoidWork {

            @Override
            void done(Throwable error) {
                end(error);
            }
        }

        /** The work of one frame that did not finish when handed over. */
        private final class FrameWork extends VoidWork {

            @Override
            void done(Throwable error) {
                frameDone(this, error);
            }
        }
    }

    /** A subscriber to work that only ends (well or with an error), which can be cancelled before it is subscribed. */
    private abstract static class VoidWork implements CoreSubscriber<Void> {

        private volatile Subscription subscription;

        private volatile boolean cancelled;

        /** The work ended: {@code error} is null when it completed. */
        abstract void done(Throwable error);

        @Override
        public void onSubscribe(Subscription work) {
            subscription = work;
            if (cancelled) {
                work.cancel();
            }
            else {
                work.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(Void nothing) {
        }

        @Override
        public void onError(Throwable error) {
            done(error);
        }

        @Override
        public void onComplete() {
            done(null);
        }

        void cancel() {
            cancelled = true;
            Subscription work = subscription;
            if (work != null) {
                work.cancel();
            }
        }
    }

    private static final AtomicIntegerFieldUpdater<Running> INBOUND_REQUESTS =
            AtomicIntegerFieldUpdater.newUpdater(Running.class, "requests");

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
            Mono<Void> room = outstanding < PIPELINED ? Mono.empty() : afterOutstanding();
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
            if (outstanding == 0) {
                return Mono.empty();
            }
            CompletableFuture<Void> waiting = new CompletableFuture<>();
            allFinished = waiting;
            // a message that finished between the test above and now may have missed the new future
            if (outstanding == 0) {
                waiting.complete(null);
            }
            return Mono.fromFuture(waiting, true);
        });
    }

    /** Hands a message frame over; like {@link #start} it runs to its end even if the socket drops meanwhile. */
    private void startMessage(InboundFrame frame, Function<InboundFrame, Mono<Void>> handler) {
        OUTSTANDING.incrementAndGet(this);
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
        if (OUTSTANDING.decrementAndGet(this) == 0) {
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

    /**
     * Renders the next item, in the order queued: a frame's bytes, or null when it sends nothing now (a repeat is
     * dropped; a gap or a resume starts a read of the store, whose frames come next). On the thread that takes the
     * frames, one at a time.
     */
    private byte[] render(Item item) {
        if (item instanceof Delivered delivered) {
            return deliver(delivered.message);
        }
        if (item instanceof Resume resume) {
            synchronized (outbound) {
                followedOrNew(resume.dialogId).sentSeq = resume.lastSeq;
            }
            outbound.read(new Replay(resume.dialogId, resume.lastSeq, Long.MAX_VALUE, resume));
            return null;
        }
        Object frame = ((Frame) item).frame;
        if (frame instanceof FrameCodec.SelfEncoding self) {
            // the ack: written straight as bytes
            byte[] bytes = self.utf8();
            if (bytes != null) {
                return bytes;
            }
        }
        return json.writeValueAsBytes(frame);
    }

    private byte[] deliver(Message message) {
        long sent;
        synchronized (outbound) {
            Followed followed = followed(message.dialogId());
            sent = followed == null ? NOT_SENT : followed.sentSeq;
            if (sent == NOT_SENT || message.seq() <= sent) {
                return null;
            }
            if (message.seq() == sent + 1) {
                followed.sentSeq = message.seq();
            }
        }
        if (message.seq() != sent + 1) {
            // a gap: the messages between come from the store first
            outbound.read(new Replay(message.dialogId(), sent, message.seq(), null));
            return null;
        }
        return encode(message);
    }

    /** A message of a replay is sent when it is past the dialog's seq sent (and the dialog is still followed). */
    private boolean sendsNext(Message message) {
        synchronized (outbound) {
            Followed followed = followed(message.dialogId());
            if (followed == null || followed.sentSeq == NOT_SENT || message.seq() <= followed.sentSeq) {
                return false;
            }
            followed.sentSeq = message.seq();
            return true;
        }
    }

    private long sentSeq(UUID dialogId, long otherwise) {
        synchronized (outbound) {
            Followed followed = followed(dialogId);
            return followed == null || followed.sentSeq == NOT_SENT ? otherwise : followed.sentSeq;
        }
    }

    /**
     * Messages read from the store for a socket: a resume's (then {@code resumed}) or a gap's. The frames after it
     * wait until it is read and sent. The messages are read to the end even when the socket closes meanwhile:
     * cancelling an R2DBC query in flight can leave its pooled connection with an undrained conversation, and every
     * later query on that connection then hangs without an error (see jOOQ#20112, r2dbc-pool#198). So the read is
     * never cancelled, like a frame's work.
     */
    private final class Replay implements CoreSubscriber<List<Message>> {

        private final UUID dialogId;

        private final long after;

        private final long until;

        /** The resume this replay answers ({@code resumed} follows its messages), or null for a gap. */
        private final Resume resume;

        private volatile boolean loaded;

        private List<Message> messages;

        private Throwable error;

        private int next;

        private boolean ended;

        Replay(UUID dialogId, long after, long until, Resume resume) {
            this.dialogId = dialogId;
            this.after = after;
            this.until = until;
            this.resume = resume;
        }

        void start() {
            Mono.fromFuture(() -> dialogs.messagesAfter(dialogId, after, until).collectList().toFuture(), true)
                    // every later frame of this socket waits behind this read: past SLOW_FRAME stop waiting (the
                    // read itself is not cancelled) and let the client resume again
                    .timeout(SLOW_FRAME)
                    .subscribe(this);
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<Message> read) {
            messages = read;
        }

        @Override
        public void onError(Throwable failure) {
            if (failure instanceof java.util.concurrent.TimeoutException) {
                log.warn("Reading dialog {} after seq {} for a socket took over {} s; the socket goes on without it",
                        dialogId, after, SLOW_FRAME.toSeconds());
            }
            log.warn("Could not read dialog {} after seq {}", dialogId, after, failure);
            error = failure;
            loaded = true;
            outbound.readEnded();
        }

        @Override
        public void onComplete() {
            loaded = true;
            outbound.readEnded();
        }

        boolean loaded() {
            return loaded;
        }

        /** The next frame of this replay, or null when it has sent everything. */
        byte[] nextFrame() {
            if (ended) {
                return null;
            }
            if (error != null) {
                error = null;
                messages = List.of();
                return json.writeValueAsBytes(Map.of("type", "error", "code", ErrorCode.STORAGE_UNAVAILABLE.name(),
                        "message", "Could not load the dialog's messages; send resume again", "dialogId", dialogId,
                        "retryable", true));
            }
            while (messages != null && next < messages.size()) {
                Message message = messages.get(next++);
                if (sendsNext(message)) {
                    return encode(message);
                }
            }
            ended = true;
            if (resume != null) {
                return json.writeValueAsBytes(Map.of("type", "resumed", "dialogId", dialogId, "lastSeq",
                        sentSeq(dialogId, resume.lastSeq)));
            }
            return null;
        }
    }

    /** A rendered frame as the session sends it. */
    private Object frameOf(byte[] bytes) {
        if (session instanceof DirectSocket direct) {
            return direct.textFrame(bytes);
        }
        return new WebSocketMessage(WebSocketMessage.Type.TEXT, session.bufferFactory().wrap(bytes));
    }

    /**
     * The outbound queue, and the publisher of the socket's frames. Items are rendered when taken, in order; an idle
     * socket holds no array, no operator and no buffer of its own here. Reactor Netty takes the frames straight from
     * it as it asks for them (no operator between), like any other subscriber. Producers are many threads (bus
     * listeners, the inbound pipeline), the consumer one at a time. Bounded by {@code queued} ({@link #enqueue}).
     * <p>
     * Not fuseable, on purpose: fused, Reactor Netty's {@code MonoSendMany} polls the queue dry whenever told of a
     * frame, whatever the writes still pending, so a client that stops reading would pile its frames up in Netty's
     * outbound buffer without bound instead of filling this queue up to the bound and being closed with 1013
     * ({@code SlowConsumerTests}). As a plain subscription it is asked for frames as its writes complete (32 in
     * flight, {@code system.SendPrefetch}), so the bound holds; the price is that operator's queue per socket (a
     * 32-slot array and the queue's own 424 bytes).
     */
    private final class Outbound implements Publisher<Object>, Subscription {

        /** Guarded by this. */
        private Item head;

        private Item tail;

        /** The read of the store in progress or being sent; taken frames wait behind it. Set by the consumer only. */
        private volatile Replay replay;

        /** Guarded by this: no more items, complete once the queue is sent (a read in progress included). */
        private boolean completing;

        private boolean completed;

        private volatile CoreSubscriber<? super Object> actual;

        private volatile boolean cancelled;

        volatile long requested;

        volatile int wip;

        @Override
        public void subscribe(Subscriber<? super Object> subscriber) {
            CoreSubscriber<? super Object> to = Operators.toCoreSubscriber(subscriber);
            synchronized (this) {
                if (actual != null) {
                    Operators.error(to, new IllegalStateException("The outbound queue allows one subscriber"));
                    return;
                }
            }
            to.onSubscribe(this);
            actual = to;
            drain();
        }

        void add(Item item) {
            synchronized (this) {
                if (completing || cancelled) {
                    // gone: nobody takes it any more
                    QUEUED.decrementAndGet(SocketConnection.this);
                    return;
                }
                if (tail == null) {
                    head = item;
                }
                else {
                    tail.next = item;
                }
                tail = item;
            }
            signal();
        }

        /** The socket is closing: the frames queued are still sent, then the publisher completes. */
        void complete() {
            synchronized (this) {
                completing = true;
            }
            if (actual == null) {
                // not subscribed yet: the subscription completes at once
                return;
            }
            drain();
        }

        /** Starts a read of the store; called by the consumer, which takes nothing more until it is sent. */
        void read(Replay read) {
            synchronized (this) {
                if (completing) {
                    // the socket is closing: what the read would send comes with the client's next resume
                    return;
                }
                replay = read;
            }
            read.start();
        }

        void readEnded() {
            signal();
        }

        private void signal() {
            if (actual == null || cancelled) {
                return;
            }
            drain();
        }

        /** The next frame to send: from the read in progress, else the next queued item; null when there is none. */
        private Object poll() {
            for (;;) {
                Replay read = replay;
                if (read != null) {
                    if (!read.loaded()) {
                        return null;
                    }
                    byte[] bytes = read.nextFrame();
                    if (bytes != null) {
                        return frameOf(bytes);
                    }
                    replay = null;
                }
                Item item;
                synchronized (this) {
                    item = head;
                    if (item == null) {
                        return null;
                    }
                    head = item.next;
                    if (head == null) {
                        tail = null;
                    }
                }
                item.next = null;
                if (QUEUED.decrementAndGet(SocketConnection.this) < limits.outboundBuffer() / 2) {
                    CompletableFuture<Void> waiting = drained;
                    if (waiting != null) {
                        waiting.complete(null);
                    }
                }
                byte[] bytes = render(item);
                if (bytes != null) {
                    return frameOf(bytes);
                }
            }
        }

        private void clear() {
            int dropped = 0;
            synchronized (this) {
                for (Item item = head; item != null; item = item.next) {
                    dropped++;
                }
                head = null;
                tail = null;
                replay = null;
            }
            if (dropped != 0) {
                QUEUED.addAndGet(SocketConnection.this, -dropped);
            }
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            if (WIP.getAndIncrement(this) == 0) {
                clear();
            }
        }

        /** Hands frames to the subscriber as requested, one thread at a time. */
        private void drain() {
            if (actual == null || WIP.getAndIncrement(this) != 0) {
                return;
            }
            CoreSubscriber<? super Object> to = actual;
            int missed = 1;
            for (;;) {
                long wanted = requested;
                long sent = 0;
                while (sent != wanted && !cancelled) {
                    Object frame;
                    try {
                        frame = poll();
                    }
                    catch (RuntimeException ex) {
                        cancelled = true;
                        clear();
                        to.onError(ex);
                        return;
                    }
                    if (frame == null) {
                        break;
                    }
                    to.onNext(frame);
                    sent++;
                }
                if (cancelled) {
                    clear();
                    return;
                }
                boolean done;
                synchronized (this) {
                    done = completing && !completed && head == null && replay == null;
                    if (done) {
                        completed = true;
                    }
                }
                if (done) {
                    to.onComplete();
                    return;
                }
                if (sent != 0 && wanted != Long.MAX_VALUE) {
                    REQUESTED.addAndGet(this, -sent);
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }
    }

    private static final AtomicLongFieldUpdater<Outbound> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(Outbound.class, "requested");

    private static final AtomicIntegerFieldUpdater<Outbound> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Outbound.class, "wip");

    /**
     * The {@code message} frame of a message, written once for all the sockets it reaches: a message goes to the
     * sockets that follow its dialog one after another on the thread that stored it (the writer's and the reader's),
     * so the last one written is kept, by the message's identity, and the next socket sends the same bytes (they are
     * only read: each socket wraps them in a buffer of its own).
     */
    private byte[] encode(Message message) {
        metrics.sent();
        Encoded last = lastEncoded;
        if (last != null && last.message == message) {
            return last.utf8;
        }
        byte[] utf8 = FrameCodec.message(message);
        if (utf8 == null) {
            utf8 = json.writeValueAsBytes(Frames.message(message));
        }
        lastEncoded = new Encoded(message, utf8);
        return utf8;
    }

    /** The last message frame written, of any socket (see {@link #encode}). */
    private static volatile Encoded lastEncoded;

    private record Encoded(Message message, byte[] utf8) {
    }
}
