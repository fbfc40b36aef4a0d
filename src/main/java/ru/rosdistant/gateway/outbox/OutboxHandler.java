package ru.rosdistant.gateway.outbox;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Delivers the outbox entries of one kind (a bean; the relay finds it by {@link #kind()}). Completing means
 * delivered; an error means try again later, unless it is a {@link PermanentDeliveryFailure}. A delivery
 * may be repeated after a crash (at least once), so a handler should make a repeat harmless where its
 * channel allows (a stable Message-ID, an idempotency key).
 */
public interface OutboxHandler {

    String kind();

    Mono<Void> deliver(JsonNode payload);
}
