package ru.rosdistant.gateway.channel.max;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.MessengerSends;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.outbox.OutboxHandler;

/**
 * Delivers {@code max.send} entries with {@code POST /messages?user_id=…} ({@link MessengerSends} around it);
 * the phone question carries a {@code request_contact} button. MAX has no idempotency key: a send repeated after
 * a lost answer may reach the person twice (at least once, as the outbox promises).
 */
@Component
class MaxSend implements OutboxHandler {

    static final String CONTACT_BUTTON = "Отправить мой номер";

    private final MessengerSends sends;

    private final MaxApi api;

    MaxSend(MessengerSends sends, MaxApi api) {
        this.sends = sends;
        this.api = api;
    }

    @Override
    public String kind() {
        return Platform.MAX.sendKind();
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        return sends.deliver(Platform.MAX, payload, this::send);
    }

    private Mono<Void> send(Bot bot, JsonNode payload) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("text", payload.path("text").asString());
        if ("CONTACT".equals(payload.path("keyboard").asString(""))) {
            message.put("attachments", List.of(Map.of("type", "inline_keyboard", "payload", Map.of("buttons",
                    List.of(List.of(Map.of("type", "request_contact", "text", CONTACT_BUTTON)))))));
        }
        return api.send(bot, payload.path("chat").asString(), message);
    }
}
