package ru.rosdistant.gateway.channel.max;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.PollPositions;
import ru.rosdistant.gateway.channel.WebhookFailures;

/**
 * Long polling of MAX's {@code GET /updates} for bots in {@code mode: polling} (MAX calls it fit for
 * development, not production: webhooks are the default of the example). One loop per bot on a scheduler of
 * its own; the {@code marker} is stored after every update of a batch was stored and passed on the next poll,
 * which commits the batch at MAX. A restart or a failed poll resumes from the stored marker.
 */
@Component
class MaxPolling {

    private static final Logger log = LoggerFactory.getLogger(MaxPolling.class);

    /** MAX holds a poll at most 90 s; shorter than the HTTP client's 45 s response timeout. */
    private static final int MAX_TIMEOUT_SECONDS = 25;

    private final BotConfigs bots;

    private final MaxApi api;

    private final MaxUpdates updates;

    private final PollPositions positions;

    private final Disposable.Composite loops = Disposables.composite();

    MaxPolling(BotConfigs bots, MaxApi api, MaxUpdates updates, PollPositions positions) {
        this.bots = bots;
        this.api = api;
        this.updates = updates;
        this.positions = positions;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        bots.of(Platform.MAX).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.POLLING)
                .forEach(bot -> {
                    Scheduler scheduler = Schedulers.newSingle("max-polling-" + bot.id());
                    log.info("MAX bot '{}' polls {}/updates (MAX advises a webhook in production)", bot.id(),
                            MaxApi.base(bot));
                    loops.add(scheduler);
                    loops.add(poll(bot, scheduler).subscribeOn(scheduler).subscribe());
                });
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        loops.dispose();
    }

    private Flux<Void> poll(Bot bot, Scheduler scheduler) {
        AtomicReference<PollPositions.Position> current = new AtomicReference<>();
        return Mono.defer(() -> round(bot, scheduler, current))
                .doOnError(error -> current.set(null))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1))
                        .maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(signal -> log.warn("MAX bot '{}' could not poll: {}", bot.id(),
                                signal.failure().toString())))
                .repeat()
                .thenMany(Flux.empty());
    }

    private Mono<Void> round(Bot bot, Scheduler scheduler, AtomicReference<PollPositions.Position> current) {
        Mono<String> marker = current.get() != null ? Mono.just(current.get().position())
                : positions.load(bot.id())
                        .map(PollPositions.Position::position);
        int timeout = Math.min(MAX_TIMEOUT_SECONDS, Math.max(0, bot.config().pollTimeoutSeconds()));
        return marker
                .map(java.util.Optional::of)
                .defaultIfEmpty(java.util.Optional.empty())
                .flatMap(at -> api.updates(bot, at.orElse(null), timeout, MaxWebhook.UPDATE_TYPES)
                        .publishOn(scheduler)
                        .flatMap(answer -> stored(bot, answer).thenReturn(answer)))
                .flatMap(answer -> {
                    if (!answer.path("marker").isIntegralNumber()) {
                        return Mono.empty();
                    }
                    PollPositions.Position next = new PollPositions.Position(null, null,
                            answer.path("marker").asString());
                    return positions.save(bot.id(), next)
                            .doOnSuccess(saved -> current.set(next));
                });
    }

    private Mono<Void> stored(Bot bot, JsonNode answer) {
        return Flux.fromIterable(answer.path("updates"))
                .concatMap(update -> updates.handle(bot, update)
                        .onErrorResume(error -> !WebhookFailures.storageUnavailable(error),
                                error -> skip(bot, update, error)))
                .then();
    }

    /** An update that fails for another reason than the database would stop the bot for good: logged, passed. */
    private static Mono<Void> skip(Bot bot, JsonNode update, Throwable error) {
        log.error("MAX bot '{}' skips an update ({}) that it cannot process", bot.id(),
                update.path("update_type").asString(""), error);
        return Mono.empty();
    }
}
