package ru.rosdistant.gateway.outbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Delivers due outbox entries, on every node, from start-up to shutdown. Each poll claims a batch with a
 * lease, hands every entry to the handler of its kind, and records the outcome: DELIVERED, or PENDING
 * again after an exponential backoff, or FAILED when the failure is permanent or the attempts are used up.
 *
 * <p>Delivery is at least once. An entry is repeated only when its outcome was not recorded: the node
 * died or stopped mid-delivery, the database was unreachable right after the send, or a send outlived
 * {@code delivery-timeout} and was abandoned. The lease then runs out and the entry is claimed again. The
 * attempt number fences outcomes, so a late relay cannot overwrite a newer claim's result.
 *
 * <p>A node that stops (its context closes) claims nothing more, gives back the entries it claimed but has not begun
 * to send (PENDING again at once, for any node), and waits up to {@code stop-wait} for the sends under way to end and
 * their outcomes to be recorded: a mail the SMTP server has taken is then recorded as delivered rather than sent
 * again by another node when its lease runs out (and that other node does not wait for the lease either). That wait
 * runs in the web server's graceful-shutdown phase, beside the drain of the requests under way, without holding a
 * thread, and is never longer than the phase's own bound ({@code spring.lifecycle.timeout-per-shutdown-phase}): a
 * hung SMTP server cannot stretch a stop past what the phase allows; what it did not record is left DELIVERING under
 * its lease, for any node when the lease ends.
 */
@Component
class OutboxRelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    /** Whether the last claim failed: its trace is logged once per run of failures. */
    private final java.util.concurrent.atomic.AtomicBoolean claimFails = new java.util.concurrent.atomic.AtomicBoolean();

    private final OutboxEntries entries;

    private final OutboxProperties properties;

    private final Map<String, OutboxHandler> handlers;

    private volatile Disposable loop;

    /** The mark of a relay whose node has stopped: no poll begins any more. */
    private static final java.util.concurrent.CompletableFuture<Void> STOPPED =
            java.util.concurrent.CompletableFuture.completedFuture(null);

    /** Null between polls; while a poll claims and delivers, its end; {@link #STOPPED} once the node stops. */
    private final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Void>> poll =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** Set as soon as the node begins to stop, while a poll may still be under way. */
    private volatile boolean stopping;

    /** How long a stop waits for the sends under way: {@code stop-wait}, at most the shutdown phase's bound. */
    private final Duration stopBudget;

    /** Between {@link #start()} and the end of {@link #stop(Runnable)}. */
    private volatile boolean running;

    @Autowired
    OutboxRelay(OutboxEntries entries, OutboxProperties properties, List<OutboxHandler> handlers,
            @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration shutdownPhase) {
        this.stopBudget = properties.stopWait().compareTo(shutdownPhase) <= 0 ? properties.stopWait() : shutdownPhase;
        if (stopBudget.compareTo(properties.stopWait()) < 0) {
            log.warn("gateway.outbox.stop-wait ({}) is longer than spring.lifecycle.timeout-per-shutdown-phase ({}): a "
                    + "stopping node waits {} for its sends under way", properties.stopWait(), shutdownPhase,
                    stopBudget);
        }
        this.entries = entries;
        this.properties = properties;
        this.handlers = handlers.stream()
                .collect(Collectors.toUnmodifiableMap(OutboxHandler::kind, Function.identity(), (first, second) -> {
                    throw new IllegalStateException("Two outbox handlers for the kind '" + first.kind() + "'");
                }));
    }

    /** A relay whose stop waits the whole {@code stop-wait}. */
    OutboxRelay(OutboxEntries entries, OutboxProperties properties, List<OutboxHandler> handlers) {
        this(entries, properties, handlers, properties.stopWait());
    }

    @Override
    public void start() {
        if (running) {
            return;
        }
        running = true;
        if (!properties.relayEnabled() || handlers.isEmpty()) {
            log.info("The outbox relay is off on this node");
            return;
        }
        loop = Flux.interval(properties.pollInterval())
                .onBackpressureDrop()
                .concatMap(tick -> drain(), 1)
                .subscribe();
    }

    /**
     * Claims nothing more; a poll under way gives back what it has not begun to send and is awaited up to the stop
     * budget ({@code stop-wait}, at most the shutdown phase's bound), so the outcomes of the sends under way are
     * recorded. Returns at once: {@code done} runs when the poll has ended or the budget is spent.
     */
    @Override
    public void stop(Runnable done) {
        stopping = true;
        java.util.concurrent.CompletableFuture<Void> under = poll.getAndSet(STOPPED);
        if (under == null || under == STOPPED) {
            stopped();
            done.run();
            return;
        }
        under.copy().orTimeout(stopBudget.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)
                .whenComplete((ended, timedOut) -> {
                    if (timedOut != null) {
                        log.warn("The outbox relay was still delivering after {}; what it did not record is "
                                + "delivered again by any node when its lease ends", stopBudget);
                    }
                    stopped();
                    done.run();
                });
    }

    /** {@link #stop(Runnable)}, waited for (a relay of a test of its own). */
    @Override
    public void stop() {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        stop(done::countDown);
        try {
            done.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void stopped() {
        if (loop != null) {
            loop.dispose();
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * In the web server's graceful-shutdown phase: the relay's wait and the drain of the requests under way run side
     * by side, both within {@code spring.lifecycle.timeout-per-shutdown-phase}.
     */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;
    }

    /** A paused test context (Spring 7) is not a stopping node: the relay goes on. */
    @Override
    public boolean isPauseable() {
        return false;
    }

    /** Whether the node has begun to stop. */
    boolean stopping() {
        return stopping;
    }

    /** Claims and delivers batch after batch while they come back full, then waits for the next poll. */
    Mono<Void> drain() {
        return Mono.defer(() -> {
            java.util.concurrent.CompletableFuture<Void> end = new java.util.concurrent.CompletableFuture<>();
            return poll.compareAndSet(null, end)
                    ? poll().doFinally(signal -> {
                        poll.compareAndSet(end, null);
                        end.complete(null);
                    })
                    : Mono.<Void>empty();
        });
    }

    private Mono<Void> poll() {
        return batch()
                .expand(claimed -> claimed < properties.batchSize() || stopping() ? Mono.empty() : batch())
                .then()
                .doOnSuccess(done -> {
                    if (claimFails.getAndSet(false)) {
                        log.info("The outbox relay claims entries again");
                    }
                })
                .onErrorResume(error -> {
                    // during a database outage every poll fails: the trace once, then a line per poll
                    if (!claimFails.getAndSet(true)) {
                        log.warn("The outbox relay could not claim entries; trying again at the next poll", error);
                    }
                    else {
                        log.warn("The outbox relay could not claim entries; trying again at the next poll: {}",
                                String.valueOf(error));
                    }
                    return Mono.empty();
                });
    }

    /** The claim is read whole first, so its connection is free again before the deliveries start. */
    private Mono<Integer> batch() {
        return entries.claim(handlers.keySet(), properties.batchSize(), properties.lease())
                .collectList()
                .flatMap(claimed -> Flux.fromIterable(claimed)
                        .flatMap(this::deliver, properties.concurrency())
                        .then(Mono.just(claimed.size())));
    }

    private Mono<Void> deliver(ClaimedEntry entry) {
        return Mono.defer(() -> stopping() ? release(entry) : send(entry));
    }

    /** A claimed entry not begun when the node stops: due again at once, for any node. */
    private Mono<Void> release(ClaimedEntry entry) {
        return entries.release(entry)
                .onErrorResume(error -> {
                    log.warn("Could not give back outbox entry {}; it is retried when its lease ends", entry.id(),
                            error);
                    return Mono.empty();
                });
    }

    private Mono<Void> send(ClaimedEntry entry) {
        return Mono.defer(() -> handlers.get(entry.kind()).deliver(entry.payload()))
                .timeout(properties.deliveryTimeout())
                .materialize()
                .flatMap(outcome -> record(entry, outcome))
                .onErrorResume(error -> {
                    log.warn("Could not record the outcome of outbox entry {}; it is retried when its lease ends",
                            entry.id(), error);
                    return Mono.empty();
                });
    }

    private Mono<Void> record(ClaimedEntry entry, Signal<Void> outcome) {
        if (!outcome.isOnError()) {
            return entries.delivered(entry)
                    .doOnNext(recorded -> {
                        if (!recorded) {
                            log.warn("Outbox entry {} was delivered after its lease ran out; it may be delivered "
                                    + "twice", entry.id());
                        }
                    })
                    .then();
        }
        Throwable error = outcome.getThrowable();
        boolean permanent = error instanceof PermanentDeliveryFailure;
        return entries.failed(entry, describe(error), permanent, properties.maxAttempts(),
                        properties.backoff(entry.attempt()))
                .doOnNext(state -> {
                    if (state == OutboxState.FAILED) {
                        log.error("Outbox entry {} ({}) failed for good after {} attempts: {}", entry.id(),
                                entry.kind(), entry.attempt(), describe(error));
                    }
                    else {
                        log.info("Outbox entry {} ({}) attempt {} failed, will retry: {}", entry.id(), entry.kind(),
                                entry.attempt(), describe(error));
                    }
                })
                .then();
    }

    private String describe(Throwable error) {
        if (error instanceof TimeoutException) {
            return "No outcome within " + properties.deliveryTimeout();
        }
        StringBuilder text = new StringBuilder(error.getClass().getSimpleName() + ": " + error.getMessage());
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(" / ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        return text.toString();
    }
}
