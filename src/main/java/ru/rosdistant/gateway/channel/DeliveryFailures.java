package ru.rosdistant.gateway.channel;

import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * A send the platform refuses for good (the person blocked the bot, unsubscribed, the number is not on
 * the messenger) is shown to the agent as a notice in the dialog, then the outbox entry fails.
 */
@Component
public class DeliveryFailures {

    private static final Logger log = LoggerFactory.getLogger(DeliveryFailures.class);

    private final DialogManagement dialogs;

    DeliveryFailures(DialogManagement dialogs) {
        this.dialogs = dialogs;
    }

    /** Passes errors on; a permanent one is first recorded in the dialog the payload came from. */
    public Mono<Void> reported(Platform platform, JsonNode payload, Mono<Void> send) {
        return send.onErrorResume(PermanentDeliveryFailure.class, failure -> notice(platform, payload, failure)
                .then(Mono.error(failure)));
    }

    /** A notice for the agent only; the messenger never sees it. */
    public Mono<Void> tellAgent(JsonNode payload, String event, String text) {
        UUID dialogId = dialogOf(payload);
        if (dialogId == null) {
            return Mono.empty();
        }
        return dialogs.appendNotice(dialogId, event, text).then();
    }

    private Mono<Void> notice(Platform platform, JsonNode payload, PermanentDeliveryFailure failure) {
        log.info("{} refused a message for {}: {}", platform, payload.path("to").asString(""), failure.getMessage());
        return tellAgent(payload, "delivery_failed", "Сообщение не доставлено в " + platform + ": "
                + failure.getMessage())
                .onErrorResume(error -> {
                    log.warn("Could not record the failed delivery in the dialog", error);
                    return Mono.empty();
                });
    }

    private static UUID dialogOf(JsonNode payload) {
        String id = payload.path("dialogId").asString("");
        return id.isEmpty() ? null : UUID.fromString(id);
    }
}
