package ru.rosdistant.gateway.channel.telegram;

import java.time.Duration;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.telegram.telegrambots.meta.api.methods.updates.SetWebhook;
import org.telegram.telegrambots.meta.api.objects.Update;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

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
import ru.rosdistant.gateway.dialog.DialogException;

/**
 * Webhook mode: Telegram posts updates to {@code POST /channel/telegram/{bot}}. Our own WebFlux endpoint,
 * because the library's webhook module brings a Jetty of its own. The {@code X-Telegram-Bot-Api-Secret-Token}
 * header is compared in constant time before the body is even read; on start-up each webhook bot
 * registers its URL and secret with {@code setWebhook}.
 */
@Configuration(proxyBeanMethods = false)
class TelegramWebhook {

    static final String SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

    private static final Logger log = LoggerFactory.getLogger(TelegramWebhook.class);

    // the library's types are Jackson 2 objects; this mapper only parses, off no shared state
    private final ObjectMapper telegramJson = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final BotConfigs bots;

    private final TelegramUpdates updates;

    private final TelegramClients clients;

    TelegramWebhook(BotConfigs bots, TelegramUpdates updates, TelegramClients clients) {
        this.bots = bots;
        this.updates = updates;
        this.clients = clients;
        warmUp();
    }

    /**
     * Builds the mapper's deserializers for an update now: built on first use, under a lock, they made
     * concurrent first updates wait on an event loop (BlockHound caught it in the REST fuzz drill).
     */
    private void warmUp() {
        try {
            telegramJson.readValue("{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":1,"
                    + "\"type\":\"private\"},\"from\":{\"id\":1,\"is_bot\":false,\"first_name\":\"a\"},\"text\":\"a\","
                    + "\"contact\":{\"phone_number\":\"1\",\"first_name\":\"a\"},\"document\":{\"file_id\":\"a\","
                    + "\"file_unique_id\":\"a\"},\"photo\":[{\"file_id\":\"a\",\"file_unique_id\":\"a\",\"width\":1,"
                    + "\"height\":1}]}}", Update.class);
        }
        catch (java.io.IOException ex) {
            log.warn("Could not warm up the Telegram update parser", ex);
        }
    }

    @Bean
    RouterFunction<ServerResponse> telegramWebhookRoute() {
        return RouterFunctions.route()
                .POST("/channel/telegram/{bot}", this::receive)
                .build();
    }

    private Mono<ServerResponse> receive(ServerRequest request) {
        Bot bot = bots.find(request.pathVariable("bot"), Platform.TELEGRAM)
                .filter(found -> found.config().mode() == BotConfig.Mode.WEBHOOK)
                .orElse(null);
        if (bot == null) {
            return WebhookFailures.problem(HttpStatus.NOT_FOUND, "No Telegram webhook bot of this name");
        }
        if (!Signatures.same(bot.secret(), request.headers().firstHeader(SECRET_HEADER))) {
            return WebhookFailures.problem(HttpStatus.UNAUTHORIZED, "Wrong or missing " + SECRET_HEADER);
        }
        return WebhookLimits.body(request)
                .filter(body -> body.length > 0)
                .switchIfEmpty(Mono.error(() -> new IllegalArgumentException("empty body")))
                .map(this::parse)
                .flatMap(update -> updates.handle(bot, update))
                .then(ServerResponse.ok().build())
                .onErrorResume(IllegalArgumentException.class,
                        error -> WebhookFailures.problem(HttpStatus.BAD_REQUEST,
                                "Not a Telegram update: " + error.getMessage()))
                .onErrorResume(DialogException.class,
                        error -> error.reason() == DialogException.Reason.STORAGE_UNAVAILABLE
                                ? WebhookFailures.problem(HttpStatus.SERVICE_UNAVAILABLE,
                                        "Storage unavailable, send again")
                                : ServerResponse.ok().build())
                .onErrorResume(error -> WebhookFailures.answer(error, "Telegram", bot.id(), log));
    }

    private Update parse(byte[] body) {
        try {
            Update update = telegramJson.readValue(body, Update.class);
            if (update == null || update.getUpdateId() == null) {
                throw new IllegalArgumentException("no update_id");
            }
            return update;
        }
        catch (java.io.IOException ex) {
            throw new IllegalArgumentException("malformed JSON (" + ex.getMessage().lines().findFirst().orElse("")
                    + ")", ex);
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void register() {
        bots.of(Platform.TELEGRAM).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.WEBHOOK)
                .forEach(bot -> {
                    String url = bot.webhookUrl();
                    SetWebhook setWebhook = SetWebhook.builder()
                            .url(url)
                            .secretToken(bot.secret())
                            .allowedUpdates(java.util.List.of("message"))
                            .build();
                    Mono.defer(() -> clients.setWebhook(bot.id(), setWebhook))
                            .retryWhen(Retry.backoff(10, Duration.ofSeconds(2)).maxBackoff(Duration.ofMinutes(1)))
                            .subscribe(ok -> log.info("Telegram bot '{}' receives updates at {}", bot.id(), url),
                                    error -> log.warn("Telegram bot '{}' could not set its webhook {}", bot.id(), url,
                                            error));
                });
    }
}
