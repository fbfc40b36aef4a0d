package ru.rosdistant.gateway.channel.max;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotAlerts;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.DeliveryFailures;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.outbox.OutboxHandler;

/**
 * Delivers {@code max.send} entries with {@code POST /messages?user_id=…}; the phone question carries a
 * {@code request_contact} button. MAX has no idempotency key: a send repeated after a lost answer may reach
 * the person twice (at least once, as the outbox promises).
 */
@Component
class MaxSend implements OutboxHandler {

    static final String CONTACT_BUTTON = "Отправить мой номер";

    private final BotConfigs bots;

    private final MaxApi api;

    private final DeliveryFailures failures;

    private final BotAlerts alerts;

    MaxSend(BotConfigs bots, MaxApi api, DeliveryFailures failures, BotAlerts alerts) {
        this.bots = bots;
        this.api = api;
        this.failures = failures;
        this.alerts = alerts;
    }

    @Override
    public String kind() {
        return Platform.MAX.sendKind();
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        String botId = payload.path("bot").asString();
        Bot bot = bots.find(botId, Platform.MAX).orElse(null);
        if (bot == null) {
            return Mono.error(new IllegalStateException("The MAX bot '" + botId + "' is off"));
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("text", payload.path("text").asString());
        if ("CONTACT".equals(payload.path("keyboard").asString(""))) {
            message.put("attachments", List.of(Map.of("type", "inline_keyboard", "payload", Map.of("buttons",
                    List.of(List.of(Map.of("type", "request_contact", "text", CONTACT_BUTTON)))))));
        }
        return failures.reported(Platform.MAX, payload, api.send(bot, payload.path("chat").asString(), message)
                .onErrorResume(MaxApi.TokenRefused.class, refused -> alerts.tokenRefused(bot, refused.getMessage())
                        .then(Mono.error(refused))));
    }
}
