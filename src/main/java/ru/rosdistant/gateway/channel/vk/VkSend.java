package ru.rosdistant.gateway.channel.vk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.MessengerSends;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.outbox.OutboxHandler;

/**
 * Delivers {@code vk.send} entries with {@code messages.send} ({@link MessengerSends} around it). Its
 * {@code random_id} is derived from the outbox entry, so every attempt of one entry carries the same id and VK
 * itself drops a repeat sent after an answer was lost.
 */
@Component
class VkSend implements OutboxHandler {

    private final MessengerSends sends;

    private final VkApi api;

    VkSend(MessengerSends sends, VkApi api) {
        this.sends = sends;
        this.api = api;
    }

    @Override
    public String kind() {
        return Platform.VK.sendKind();
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        return sends.deliver(Platform.VK, payload, this::send);
    }

    private Mono<Void> send(Bot bot, JsonNode payload) {
        MultiValueMap<String, String> params = new LinkedMultiValueMap<>();
        params.add("peer_id", payload.path("chat").asString());
        params.add("message", payload.path("text").asString());
        params.add("random_id", String.valueOf(randomId(payload)));
        params.add("dont_parse_links", "1");
        return api.call(bot, "messages.send", params)
                .then();
    }

    /**
     * A positive 63-bit id from the entry's own key: {@code outboxKey} for what the bot says by itself, the
     * dialog and sequence number for a message from the dialog (the key the database gives that entry).
     */
    static long randomId(JsonNode payload) {
        String key = payload.path("outboxKey").isString() ? payload.path("outboxKey").asString()
                : "message:" + payload.path("dialogId").asString() + ":" + payload.path("seq").asString();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((payload.path("bot").asString() + "|" + key).getBytes(StandardCharsets.UTF_8));
            long id = ByteBuffer.wrap(digest).getLong() & Long.MAX_VALUE;
            return id == 0 ? 1 : id;
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
