package ru.rosdistant.gateway.channel.viber;

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

/** Delivers {@code viber.send} entries with {@code send_message}; the phone question gets the share-phone keyboard. */
@Component
class ViberSend implements OutboxHandler {

    private final MessengerSends sends;

    private final ViberApi api;

    ViberSend(MessengerSends sends, ViberApi api) {
        this.sends = sends;
        this.api = api;
    }

    @Override
    public String kind() {
        return Platform.VIBER.sendKind();
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        return sends.deliver(Platform.VIBER, payload, this::send);
    }

    private Mono<Void> send(Bot bot, JsonNode payload) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("receiver", payload.path("chat").asString());
        message.put("min_api_version", 3);
        message.put("sender", Map.of("name", senderName(bot)));
        message.put("type", "text");
        message.put("text", payload.path("text").asString());
        if ("CONTACT".equals(payload.path("keyboard").asString(""))) {
            message.put("keyboard", Map.of("Type", "keyboard", "DefaultHeight", false, "Buttons", List.of(Map.of(
                    "ActionType", "share-phone", "ActionBody", "phone", "Text", "Отправить мой номер"))));
        }
        return api.call(bot, "send_message", message)
                .then();
    }

    /** Viber shows at most 28 characters of the sender's name. */
    private static String senderName(Bot bot) {
        String name = bot.config().displayName() == null ? "Росдистант" : bot.config().displayName();
        return name.length() > 28 ? name.substring(0, 28) : name;
    }
}
