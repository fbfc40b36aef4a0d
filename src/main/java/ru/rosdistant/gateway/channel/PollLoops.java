package ru.rosdistant.gateway.channel;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.SingletonJobs;

/**
 * The loops of the bots that fetch their updates (Telegram {@code getUpdates}, VK Bots Long Poll, MAX
 * {@code /updates}): one per bot, round after round for as long as the gateway runs; a failed round is tried again
 * with back-off (1 s, doubling up to 30 s). They stop when the application context closes.
 * <p>
 * With several nodes one node at a time polls a bot (two pollers of one Telegram bot are refused with 409, and two
 * long polls of one VK or MAX bot split its updates): each round takes or renews the lease {@code poll:<bot id>}
 * ({@link SingletonJobs}); a node without it waits {@link #STANDBY} and asks again, from the stored position once it
 * gets the lease. A single node polls without a lease.
 */
@Component
public class PollLoops {

    private static final Logger log = LoggerFactory.getLogger(PollLoops.class);

    /** A round's lease lives three of these; a standby node asks for it again after one. */
    static final Duration STANDBY = Duration.ofSeconds(20);

    private final PollPositions positions;

    private final SingletonJobs jobs;

    private final Disposable.Composite loops = Disposables.composite();

    PollLoops(PollPositions positions, SingletonJobs jobs) {
        this.positions = positions;
        this.jobs = jobs;
    }

    /** One poll from a stored position and the handling of what it brought. */
    @FunctionalInterface
    public interface Round {

        /**
         * @param at where the bot stands: the position it reached last, after a failure or a restart the stored
         * one, null when none is stored yet
         * @param scheduler the loop's own, where the answer is handled
         * @return the position after this round (stored, then the next round's), or empty to stay at {@code at}
         */
        Mono<PollPositions.Position> poll(PollPositions.Position at, Scheduler scheduler);
    }

    /**
     * Polls on a scheduler of the bot's own ({@code <name>-<bot id>}), keeping the position in
     * {@link PollPositions}: a round's position is stored after the updates before it were stored, so a restart
     * or a failed round resumes from the stored one (and at worst sees its last batch again, which the inbox
     * recognises).
     */
    public void start(Bot bot, String name, Round round) {
        Scheduler scheduler = Schedulers.newSingle(name + "-" + bot.id());
        AtomicReference<PollPositions.Position> current = new AtomicReference<>();
        loops.add(scheduler);
        loops.add(forever(bot, alone(bot, () -> stored(bot, round, scheduler, current)
                        .doOnError(error -> current.set(null)), () -> current.set(null)))
                .subscribeOn(scheduler)
                .subscribe());
    }

    /** Runs {@code round} again and again; it keeps its position itself. */
    public void start(Bot bot, Supplier<Mono<Void>> round) {
        loops.add(forever(bot, alone(bot, round, () -> { })).subscribe());
    }

    /**
     * The round when this node holds the bot's lease; else a wait of {@link #STANDBY}, after which {@code standby}
     * runs (a position kept in memory is forgotten: the holder has moved on).
     */
    private Supplier<Mono<Void>> alone(Bot bot, Supplier<Mono<Void>> round, Runnable standby) {
        return () -> {
            AtomicBoolean ran = new AtomicBoolean();
            return jobs.runAlone("poll:" + bot.id(), STANDBY, () -> {
                        ran.set(true);
                        return round.get();
                    })
                    .then(Mono.defer(() -> ran.get() ? Mono.<Void>empty()
                            : Mono.delay(STANDBY).doOnNext(tick -> standby.run()).then()));
        };
    }

    /**
     * Handles one update of a batch. One that fails for another reason than the database being down would stop
     * the bot for good: it is logged and passed. While the database is down the error goes on, the round fails and
     * the same updates are fetched again.
     */
    public static Mono<Void> handledOrSkipped(Bot bot, String what, Supplier<Mono<Void>> handling) {
        return Mono.defer(handling)
                .onErrorResume(error -> !WebhookFailures.storageUnavailable(error), error -> {
                    log.error("{} bot '{}' skips {} that it cannot process", bot.platform().title(), bot.id(), what,
                            error);
                    return Mono.empty();
                });
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        loops.dispose();
    }

    private Mono<Void> stored(Bot bot, Round round, Scheduler scheduler,
            AtomicReference<PollPositions.Position> current) {
        Mono<PollPositions.Position> at = current.get() != null ? Mono.just(current.get())
                : positions.load(bot.id());
        return at.map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(from -> round.poll(from.orElse(null), scheduler))
                .flatMap(next -> positions.save(bot.id(), next)
                        .doOnSuccess(saved -> current.set(next)));
    }

    private static Mono<Void> forever(Bot bot, Supplier<Mono<Void>> round) {
        return Mono.defer(round)
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1))
                        .maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(signal -> log.warn("{} bot '{}' could not poll: {}", bot.platform().title(),
                                bot.id(), signal.failure().toString())))
                .repeat()
                .then();
    }
}
