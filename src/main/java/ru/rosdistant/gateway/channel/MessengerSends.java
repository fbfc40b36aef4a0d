package ru.rosdistant.gateway.channel;

import java.util.function.BiFunction;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;

/**
 * What every messenger's outbox handler does around its platform call: the entry of a bot that is off waits in
 * the outbox until the bot is on again; a permanent refusal is shown to the agent as «not delivered»
 * ({@link DeliveryFailures}); a refused token ({@link TokenRefused}) mails the supervisor ({@link BotAlerts}) and
 * the entry waits for the fixed token.
 */
@Component
public class MessengerSends {

    private final BotConfigs bots;

    private final DeliveryFailures failures;

    private final BotAlerts alerts;

    MessengerSends(BotConfigs bots, DeliveryFailures failures, BotAlerts alerts) {
        this.bots = bots;
        this.failures = failures;
        this.alerts = alerts;
    }

    /** Sends the entry's {@code payload} with {@code send}, to the platform's bot the payload names. */
    public Mono<Void> deliver(Platform platform, JsonNode payload, BiFunction<Bot, JsonNode, Mono<Void>> send) {
        String botId = payload.path("bot").asString();
        Bot bot = bots.find(botId, platform).orElse(null);
        if (bot == null) {
            return Mono.error(new IllegalStateException("The " + platform.title() + " bot '" + botId + "' is off"));
        }
        return failures.reported(platform, payload, Mono.defer(() -> send.apply(bot, payload))
                .onErrorResume(TokenRefused.class, refused -> alerts.tokenRefused(bot, refused.getMessage())
                        .then(Mono.error(refused))));
    }
}
