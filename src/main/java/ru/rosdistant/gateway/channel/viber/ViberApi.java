package ru.rosdistant.gateway.channel.viber;

import java.util.Map;
import java.util.Set;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.ChannelHttp;
import ru.rosdistant.gateway.channel.RateLimited;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * The Viber REST bot API over WebClient. Viber answers HTTP 200 with a {@code status} in the body: 0 is
 * success, 12 is "too many requests" (retried here with backoff, then by the outbox), and the statuses
 * that mean the person cannot receive messages (not subscribed, not a Viber user, …) are permanent.
 */
@Component
class ViberApi {

    static final String DEFAULT_BASE = "https://chatapi.viber.com/pa";

    static final String AUTH_HEADER = "X-Viber-Auth-Token";

    /** 3 bad data, 4 missing data, 5 receiver not registered, 6 not subscribed, 7–10 account unusable. */
    private static final Set<Integer> PERMANENT = Set.of(3, 4, 5, 6, 7, 8, 9, 10);

    private static final int TOO_MANY_REQUESTS = 12;

    private final WebClient web;

    ViberApi(ChannelHttp http) {
        this.web = http.client();
    }

    static String base(Bot bot) {
        return bot.apiBase(DEFAULT_BASE);
    }

    Mono<JsonNode> call(Bot bot, String method, Map<String, Object> body) {
        return RateLimited.retried(() -> web.post()
                .uri(base(bot) + "/" + method)
                .header(AUTH_HEADER, bot.token())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .retrieve()
                .bodyToMono(JsonNode.class)
                .flatMap(answer -> checked(method, answer)));
    }

    Mono<byte[]> download(String url) {
        return web.get()
                .uri(java.net.URI.create(url))
                .retrieve()
                .bodyToMono(byte[].class);
    }

    private static Mono<JsonNode> checked(String method, JsonNode answer) {
        int status = answer.path("status").asInt(-1);
        String message = "Viber " + method + " status " + status + ": " + answer.path("status_message").asString("");
        if (status == 0) {
            return Mono.just(answer);
        }
        if (status == TOO_MANY_REQUESTS) {
            return Mono.error(new RateLimited(message));
        }
        if (PERMANENT.contains(status)) {
            return Mono.error(new PermanentDeliveryFailure(message));
        }
        return Mono.error(new IllegalStateException(message));
    }
}
