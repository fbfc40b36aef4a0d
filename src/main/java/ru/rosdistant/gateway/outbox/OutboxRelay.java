package ru.rosdistant.gateway.outbox;

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

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
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
 */
@Component
class OutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    /** Whether the last claim failed: its trace is logged once per run of failures. */
    private final java.util.concurrent.atomic.AtomicBoolean claimFails = new java.util.concurrent.atomic.AtomicBoolean();

    private final OutboxEntries entries;

    private final OutboxProperties properties;

    private final Map<String, OutboxHandler> handlers;

    private volatile Disposable loop;

    OutboxRelay(OutboxEntries entries, OutboxProperties properties, List<OutboxHandler> handlers) {
        this.entries = entries;
        this.properties = properties;
        this.handlers = handlers.stream()
                .collect(Collectors.toUnmodifiableMap(OutboxHandler::kind, Function.identity(), (first, second) -> {
                    throw new IllegalStateException("Two outbox handlers for the kind '" + first.kind() + "'");
                }));
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (!properties.relayEnabled() || handlers.isEmpty()) {
            log.info("The outbox relay is off on this node");
            return;
        }
        loop = Flux.interval(properties.pollInterval())
                .onBackpressureDrop()
                .concatMap(tick -> drain(), 1)
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (loop != null) {
            loop.dispose();
        }
    }

    /** Claims and delivers batch after batch while they come back full, then waits for the next poll. */
    Mono<Void> drain() {
        return batch()
                .expand(claimed -> claimed < properties.batchSize() ? Mono.empty() : batch())
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
