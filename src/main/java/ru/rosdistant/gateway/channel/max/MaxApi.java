package ru.rosdistant.gateway.channel.max;

import java.net.URI;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.ChannelHttp;
import ru.rosdistant.gateway.channel.RateLimited;
import ru.rosdistant.gateway.channel.TokenRefused;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * The MAX Bot API over WebClient ({@code max-messenger/api-schema}): the token travels in the
 * {@code Authorization} header as it is, errors come as HTTP codes with {@code code} and {@code message}.
 * 429 is {@link RateLimited}: retried here with back-off, then by the outbox; 400, 403 (the person stopped the
 * bot) and 404 are permanent; 401 is {@link TokenRefused}; 5xx and no answer are retried by the outbox.
 */
@Component
class MaxApi {

    static final String DEFAULT_BASE = "https://platform-api2.max.ru";

    /** MAX takes at most 4000 characters of text in one message. */
    static final int MAX_TEXT = 4000;

    private final WebClient web;

    MaxApi(ChannelHttp http) {
        this.web = http.client();
    }

    static String base(Bot bot) {
        return bot.apiBase(DEFAULT_BASE);
    }

    /** Sends a message ({@code NewMessageBody}) to a person's dialog with the bot. */
    Mono<Void> send(Bot bot, String userId, Map<String, Object> message) {
        return RateLimited.retried(() -> web.post()
                        .uri(base(bot) + "/messages?user_id={user}", userId)
                        .header("Authorization", bot.token())
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(message)
                        .retrieve()
                        .toBodilessEntity()
                        .onErrorMap(WebClientResponseException.class, MaxApi::classified))
                .then();
    }

    /** Subscribes the bot's webhook; MAX then sends {@code secret} back in {@code X-Max-Bot-Api-Secret}. */
    Mono<Void> subscribe(Bot bot, String url, List<String> updateTypes) {
        return web.post()
                .uri(base(bot) + "/subscriptions")
                .header("Authorization", bot.token())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("url", url, "update_types", updateTypes, "secret", bot.secret()))
                .retrieve()
                .toBodilessEntity()
                .onErrorMap(WebClientResponseException.class, MaxApi::classified)
                .then();
    }

    /**
     * One long poll of {@code GET /updates}: the updates after {@code marker} (all not yet committed when it is
     * null) and the marker of the next ones; passing a marker commits the updates before it.
     */
    Mono<JsonNode> updates(Bot bot, String marker, int timeoutSeconds, List<String> types) {
        return web.get()
                .uri(base(bot) + "/updates?limit=100&timeout={timeout}&types={types}"
                        + (marker == null ? "" : "&marker={marker}"), timeoutSeconds, String.join(",", types), marker)
                .header("Authorization", bot.token())
                .retrieve()
                .bodyToMono(JsonNode.class)
                .onErrorMap(WebClientResponseException.class, MaxApi::classified);
    }

    Mono<byte[]> download(String url) {
        return web.get()
                .uri(URI.create(url))
                .retrieve()
                .bodyToMono(byte[].class);
    }

    private static Throwable classified(WebClientResponseException error) {
        int status = error.getStatusCode().value();
        String message = "MAX " + status + ": " + error.getResponseBodyAsString();
        return switch (status) {
            case 429 -> new RateLimited(message);
            case 401 -> new TokenRefused(message);
            case 400, 403, 404 -> new PermanentDeliveryFailure(message, error);
            default -> error;
        };
    }
}
