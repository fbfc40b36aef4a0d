package ru.rosdistant.gateway.channel.vk;

import java.net.URI;
import java.util.Set;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.ChannelHttp;
import ru.rosdistant.gateway.channel.RateLimited;
import ru.rosdistant.gateway.channel.TokenRefused;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * The VK API over WebClient, at a pinned version. VK answers HTTP 200 with either {@code response} or
 * {@code error} in the body. Rate errors (6 too many requests per second, 9 flood control, 10 internal error)
 * are {@link RateLimited}: retried here with back-off, then by the outbox; the refusals that will not change
 * (7 permission denied, 901 the person has not allowed messages, 902 their privacy settings, 914 the message is
 * too long) are permanent; 5 (the token is refused) is {@link TokenRefused}, for the administrator.
 */
@Component
class VkApi {

    static final String DEFAULT_BASE = "https://api.vk.com/method";

    /** The API version every call names: the shapes of events and answers this bridge reads. */
    static final String VERSION = "5.199";

    private static final Set<Integer> RATE = Set.of(6, 9, 10);

    private static final Set<Integer> PERMANENT = Set.of(7, 901, 902, 914);

    private static final int TOKEN_REFUSED = 5;

    private final WebClient web;

    VkApi(ChannelHttp http) {
        this.web = http.client();
    }

    static String base(Bot bot) {
        return bot.apiBase(DEFAULT_BASE);
    }

    /** Calls a method with the community token; the token and version travel in the form body, not the URL. */
    Mono<JsonNode> call(Bot bot, String method, MultiValueMap<String, String> params) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>(params);
        form.set("access_token", bot.token());
        form.set("v", VERSION);
        return RateLimited.retried(() -> web.post()
                .uri(base(bot) + "/" + method)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData(form))
                .retrieve()
                .bodyToMono(JsonNode.class)
                .flatMap(answer -> checked(method, answer)));
    }

    /** One long-poll request to the server {@code groups.getLongPollServer} named. */
    Mono<JsonNode> check(String server, String key, String ts, int waitSeconds) {
        URI uri = UriComponentsBuilder.fromUriString(server)
                .queryParam("act", "a_check")
                .queryParam("key", key)
                .queryParam("ts", ts)
                .queryParam("wait", waitSeconds)
                .encode()
                .build()
                .toUri();
        return web.get()
                .uri(uri)
                .retrieve()
                .bodyToMono(JsonNode.class);
    }

    Mono<byte[]> download(String url) {
        return web.get()
                .uri(URI.create(url))
                .retrieve()
                .bodyToMono(byte[].class);
    }

    private static Mono<JsonNode> checked(String method, JsonNode answer) {
        JsonNode error = answer.path("error");
        if (error.isMissingNode() || error.isNull()) {
            return Mono.just(answer.path("response"));
        }
        int code = error.path("error_code").asInt(-1);
        String message = "VK " + method + " error " + code + ": " + error.path("error_msg").asString("");
        if (RATE.contains(code)) {
            return Mono.error(new RateLimited(message));
        }
        if (PERMANENT.contains(code)) {
            return Mono.error(new PermanentDeliveryFailure(message));
        }
        if (code == TOKEN_REFUSED) {
            return Mono.error(new TokenRefused(message));
        }
        return Mono.error(new IllegalStateException(message));
    }
}
