package ru.rosdistant.gateway.channel;

import java.time.Instant;
import java.util.UUID;

import ru.rosdistant.gateway.dialog.Visitor;

/** A person writing to one bot, with how far their identification got. */
record MessengerUser(String botId, String externalId, UUID visitorId, String displayName, Stage stage,
        String fullName, String phone, UUID cardId, String pendingText, Instant lastInboundAt) {

    enum Stage {
        NEW, ASKED_NAME, ASKED_PHONE, IDENTIFIED
    }

    Visitor visitor() {
        return new Visitor(visitorId, botId, null, false);
    }

    String name() {
        return fullName != null ? fullName : displayName;
    }
}
