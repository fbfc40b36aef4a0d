package ru.rosdistant.gateway.channel.max;

import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.Signatures;
import ru.rosdistant.gateway.channel.WebhookFailures;
import ru.rosdistant.gateway.channel.WebhookLimits;

/**
 * The MAX webhook, {@code POST /channel/max/{bot}}. The secret the bot subscribed with comes back in
 * {@code X-Max-Bot-Api-Secret} and is compared in constant time before the body is read; a person's
 * {@code message_created} in their dialog with the bot goes to the inbox under its {@code mid}. MAX treats
 * anything but 200 as a failed delivery and sends again for up to eight hours, so only a database that is
 * down gets 503. On start-up each bot with a public URL subscribes it. {@link WebhookLimits} bounds the rate and the
 * body before this runs.
 */
@Configuration(proxyBeanMethods = false)
class MaxWebhook {

    static final String SECRET_HEADER = "X-Max-Bot-Api-Secret";

    static final List<String> UPDATE_TYPES = List.of("message_created", "bot_started");

    private static final Logger log = LoggerFactory.getLogger(MaxWebhook.class);

    private final BotConfigs bots;

    private final MaxUpdates updates;

    private final MaxApi api;

    private final JsonMapper json;

    MaxWebhook(BotConfigs bots, MaxUpdates updates, MaxApi api, JsonMapper json) {
        this.bots = bots;
        this.updates = updates;
        this.api = api;
        this.json = json;
    }

    @Bean
    RouterFunction<ServerResponse> maxWebhookRoute() {
        return RouterFunctions.route()
                .POST("/channel/max/{bot}", this::receive)
                .build();
    }

    private Mono<ServerResponse> receive(ServerRequest request) {
        Bot bot = bots.find(request.pathVariable("bot"), Platform.MAX)
                .filter(found -> found.config().mode() == BotConfig.Mode.WEBHOOK)
                .orElse(null);
        if (bot == null) {
            return WebhookFailures.problem(HttpStatus.NOT_FOUND, "No MAX webhook bot of this name");
        }
        if (!Signatures.same(bot.secret(), request.headers().firstHeader(SECRET_HEADER))) {
            return WebhookFailures.problem(HttpStatus.UNAUTHORIZED, "Wrong or missing " + SECRET_HEADER);
        }
        return WebhookLimits.body(request)
                .flatMap(body -> answer(bot, body))
                .onErrorResume(error -> WebhookFailures.answer(error, "MAX", bot.id(), log));
    }

    private Mono<ServerResponse> answer(Bot bot, byte[] body) {
        JsonNode update;
        try {
            update = json.readTree(body);
        }
        catch (JacksonException ex) {
            return WebhookFailures.problem(HttpStatus.BAD_REQUEST, "Not a MAX update: malformed JSON");
        }
        if (update == null || !update.path("update_type").isString()) {
            return WebhookFailures.problem(HttpStatus.BAD_REQUEST, "Not a MAX update: no update_type");
        }
        return Mono.defer(() -> updates.handle(bot, update))
                .then(ServerResponse.ok().build())
                .onErrorResume(error -> WebhookFailures.answer(error, "MAX", bot.id(), log));
    }

    @EventListener(ApplicationReadyEvent.class)
    void subscribe() {
        bots.of(Platform.MAX).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.WEBHOOK)
                .forEach(bot -> {
                    String url = bot.webhookUrl();
                    if (url == null) {
                        log.info("MAX bot '{}' has no public-url: subscribe https://<host>/channel/max/{} by hand",
                                bot.id(), bot.id());
                        return;
                    }
                    Mono.defer(() -> api.subscribe(bot, url, UPDATE_TYPES))
                            .retryWhen(Retry.backoff(10, Duration.ofSeconds(2)).maxBackoff(Duration.ofMinutes(1)))
                            .subscribe(ok -> { }, error -> log.warn("MAX bot '{}' could not subscribe {}", bot.id(), url,
                                    error), () -> log.info("MAX bot '{}' receives updates at {}", bot.id(), url));
                });
    }
}
