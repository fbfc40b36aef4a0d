package ru.rosdistant.gateway.channel.whatsapp;

import java.time.Duration;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.ConversationWindows;
import ru.rosdistant.gateway.channel.DeliveryFailures;
import ru.rosdistant.gateway.channel.MessengerSends;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.outbox.OutboxHandler;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * Delivers {@code whatsapp.send} entries. WhatsApp accepts free text only within 24 hours of the
 * person's last message; outside it the bot's template goes instead (once, until the person writes
 * again) and the agent is told.
 */
@Component
class WhatsAppSend implements OutboxHandler {

    static final Duration WINDOW = Duration.ofHours(24);

    private final MessengerSends sends;

    private final WhatsAppApi api;

    private final ConversationWindows windows;

    private final DeliveryFailures failures;

    WhatsAppSend(MessengerSends sends, WhatsAppApi api, ConversationWindows windows, DeliveryFailures failures) {
        this.sends = sends;
        this.api = api;
        this.windows = windows;
        this.failures = failures;
    }

    @Override
    public String kind() {
        return Platform.WHATSAPP.sendKind();
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        return sends.deliver(Platform.WHATSAPP, payload, this::send);
    }

    private Mono<Void> send(Bot bot, JsonNode payload) {
        String to = payload.path("chat").asString();
        return windows.allowed(bot.id(), to, WINDOW)
                .flatMap(allowed -> switch (allowed) {
                    case FREE_TEXT -> api.send(bot, text(to, payload.path("text").asString()));
                    case TEMPLATE -> template(bot, to, payload);
                    case NOTHING -> Mono.error(new PermanentDeliveryFailure("больше 24 часов с последнего сообщения "
                            + "пользователя, шаблон уже отправлен; ждём, когда пользователь напишет"));
                });
    }

    private Mono<Void> template(Bot bot, String to, JsonNode payload) {
        if (bot.config().template() == null) {
            return Mono.error(new PermanentDeliveryFailure("больше 24 часов с последнего сообщения пользователя, "
                    + "а шаблон у бота не настроен"));
        }
        Map<String, Object> template = Map.of("messaging_product", "whatsapp", "to", to, "type", "template",
                "template", Map.of("name", bot.config().template(), "language",
                        Map.of("code", bot.config().templateLanguage())));
        return api.send(bot, template)
                .onErrorResume(error -> windows.templateFailed(bot.id(), to).then(Mono.error(error)))
                .then(failures.tellAgent(payload, "staff_notice", "Прошло больше 24 часов с последнего сообщения "
                        + "пользователя: WhatsApp не принимает свободный ответ, вместо него отправлен шаблон «"
                        + bot.config().template() + "». Когда пользователь ответит, повторите сообщение."));
    }

    private static Map<String, Object> text(String to, String body) {
        return Map.of("messaging_product", "whatsapp", "recipient_type", "individual", "to", to, "type", "text",
                "text", Map.of("preview_url", false, "body", body));
    }
}
