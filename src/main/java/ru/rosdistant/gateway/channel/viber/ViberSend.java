package ru.rosdistant.gateway.channel.viber;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.DeliveryFailures;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.outbox.OutboxHandler;

/** Delivers {@code viber.send} entries with {@code send_message}; the phone question gets the share-phone keyboard. */
@Component
class ViberSend implements OutboxHandler {

    private final BotConfigs bots;

    private final ViberApi api;

    private final DeliveryFailures failures;

    ViberSend(BotConfigs bots, ViberApi api, DeliveryFailures failures) {
        this.bots = bots;
        this.api = api;
        this.failures = failures;
    }

    @Override
    public String kind() {
        return Platform.VIBER.sendKind();
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        String botId = payload.path("bot").asString();
        Bot bot = bots.find(botId, Platform.VIBER).orElse(null);
        if (bot == null) {
            return Mono.error(new IllegalStateException("The Viber bot '" + botId + "' is off"));
        }
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
        return failures.reported(Platform.VIBER, payload, api.call(bot, "send_message", message).then());
    }

    /** Viber shows at most 28 characters of the sender's name. */
    private static String senderName(Bot bot) {
        String name = bot.config().displayName() == null ? "Росдистант" : bot.config().displayName();
        return name.length() > 28 ? name.substring(0, 28) : name;
    }
}
