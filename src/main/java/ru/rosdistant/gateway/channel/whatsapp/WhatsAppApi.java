package ru.rosdistant.gateway.channel.whatsapp;

import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.ChannelHttp;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/** The WhatsApp Cloud API calls the bridge makes: send a message, look up and fetch media. */
@Component
class WhatsAppApi {

    static final String DEFAULT_BASE = "https://graph.facebook.com/v21.0";

    private final WebClient web;

    WhatsAppApi(ChannelHttp http) {
        this.web = http.client();
    }

    static String base(Bot bot) {
        return bot.apiBase(DEFAULT_BASE);
    }

    /** Sends one message body ({@code text} or {@code template}); a refusal that will not change is permanent. */
    Mono<Void> send(Bot bot, Map<String, Object> message) {
        return web.post()
                .uri(base(bot) + "/" + bot.config().phoneNumberId() + "/messages")
                .headers(headers -> headers.setBearerAuth(bot.token()))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(message)
                .retrieve()
                .toBodilessEntity()
                .onErrorMap(WebClientResponseException.class, WhatsAppApi::classified)
                .then();
    }

    /** The media's metadata: {@code url}, {@code mime_type}, {@code file_size}. */
    Mono<JsonNode> media(Bot bot, String mediaId) {
        return web.get()
                .uri(base(bot) + "/" + mediaId)
                .headers(headers -> headers.setBearerAuth(bot.token()))
                .retrieve()
                .bodyToMono(JsonNode.class);
    }

    Mono<byte[]> download(Bot bot, String url) {
        return web.get()
                .uri(java.net.URI.create(url))
                .headers(headers -> headers.setBearerAuth(bot.token()))
                .retrieve()
                .bodyToMono(byte[].class);
    }

    private static Throwable classified(WebClientResponseException error) {
        HttpStatusCode status = error.getStatusCode();
        // 429 and 5xx pass; an expired token (401) waits for the administrator, so it is retried too
        if (status.value() == 400 || status.value() == 403 || status.value() == 404) {
            return new PermanentDeliveryFailure("WhatsApp " + status.value() + ": "
                    + error.getResponseBodyAsString(), error);
        }
        return error;
    }
}
