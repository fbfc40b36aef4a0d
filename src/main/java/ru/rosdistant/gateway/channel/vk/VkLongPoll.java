package ru.rosdistant.gateway.channel.vk;

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
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.PollPositions;
import ru.rosdistant.gateway.channel.WebhookFailures;

/**
 * VK Bots Long Poll for bots in {@code mode: longpoll}: one loop per bot, on a scheduler of its own. The
 * position ({@code ts}) is stored only after every event of a batch was stored, so a restart resumes from
 * the stored position and at worst sees the last batch again (the inbox recognises repeats by
 * {@code event_id}). VK's {@code failed} answers: 1 moves to the given {@code ts}; 2 (the key expired)
 * fetches a new key and keeps the position; 3 (the history is lost) starts again from VK's current
 * {@code ts}, with a warning.
 */
@Component
class VkLongPoll {

    private static final Logger log = LoggerFactory.getLogger(VkLongPoll.class);

    /** VK holds a check at most 90 s; shorter than the HTTP client's 45 s response timeout. */
    private static final int MAX_WAIT_SECONDS = 25;

    private final BotConfigs bots;

    private final VkApi api;

    private final VkEvents events;

    private final PollPositions states;

    private final Disposable.Composite loops = Disposables.composite();

    VkLongPoll(BotConfigs bots, VkApi api, VkEvents events, PollPositions states) {
        this.bots = bots;
        this.api = api;
        this.events = events;
        this.states = states;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        bots.of(Platform.VK).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.LONGPOLL)
                .forEach(bot -> {
                    Scheduler scheduler = Schedulers.newSingle("vk-longpoll-" + bot.id());
                    log.info("VK bot '{}' polls the Bots Long Poll API of community {}", bot.id(),
                            bot.config().communityId());
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
                        .doBeforeRetry(signal -> log.warn("VK bot '{}' could not poll: {}", bot.id(),
                                signal.failure().toString())))
                .repeat()
                .thenMany(Flux.empty());
    }

    /** One check from the known position (after a failure: the stored one) and what follows from its answer. */
    private Mono<Void> round(Bot bot, Scheduler scheduler, AtomicReference<PollPositions.Position> current) {
        Mono<PollPositions.Position> position = current.get() != null ? Mono.just(current.get())
                : states.load(bot.id())
                        .switchIfEmpty(Mono.defer(() -> server(bot, null)));
        int wait = Math.min(MAX_WAIT_SECONDS, Math.max(1, bot.config().pollTimeoutSeconds()));
        return position
                .flatMap(at -> api.check(at.server(), at.key(), at.position(), wait)
                        .publishOn(scheduler)
                        .flatMap(answer -> next(bot, at, answer)))
                .flatMap(next -> states.save(bot.id(), next)
                        .doOnSuccess(saved -> current.set(next)));
    }

    private Mono<PollPositions.Position> next(Bot bot, PollPositions.Position at, JsonNode answer) {
        return switch (answer.path("failed").asInt(0)) {
            case 0 -> Flux.fromIterable(answer.path("updates"))
                    .concatMap(event -> events.handle(bot, event)
                            .onErrorResume(error -> !WebhookFailures.storageUnavailable(error),
                                    error -> skip(bot, event, error)))
                    .then(Mono.fromSupplier(() -> at.at(answer.path("ts").asString())));
            case 1 -> Mono.just(at.at(answer.path("ts").asString()));
            case 2 -> server(bot, at.position());
            case 3 -> {
                log.warn("VK bot '{}': the long-poll history is lost; continuing from VK's current position",
                        bot.id());
                yield server(bot, null);
            }
            default -> Mono.error(new IllegalStateException("VK long poll answered " + answer));
        };
    }

    /** A new key and server; the position stays {@code ts} unless it is null (then VK's current one). */
    private Mono<PollPositions.Position> server(Bot bot, String ts) {
        MultiValueMap<String, String> params = new LinkedMultiValueMap<>();
        params.add("group_id", String.valueOf(bot.config().communityId()));
        return api.call(bot, "groups.getLongPollServer", params)
                .map(server -> new PollPositions.Position(server.path("server").asString(),
                        server.path("key").asString(), ts != null ? ts : server.path("ts").asString()));
    }

    /**
     * An event that fails for another reason than the database being down (then the batch is fetched again)
     * would stop the bot for good: it is logged and passed.
     */
    private static Mono<Void> skip(Bot bot, JsonNode event, Throwable error) {
        log.error("VK bot '{}' skips event {} that it cannot process", bot.id(), event.path("event_id").asString(""),
                error);
        return Mono.empty();
    }
}
