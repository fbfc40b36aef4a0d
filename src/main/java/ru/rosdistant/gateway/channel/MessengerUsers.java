package ru.rosdistant.gateway.channel;

import java.time.OffsetDateTime;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Visitors;

/** Messenger users and their identification, in {@code messenger_user}. */
@Component
class MessengerUsers {

    private static final String COLUMNS = "bot_id, external_id, visitor_id, display_name, stage, full_name, phone, "
            + "card_id, pending_text, last_inbound_at";

    private final DatabaseClient db;

    private final Visitors visitors;

    MessengerUsers(DatabaseClient db, Visitors visitors) {
        this.db = db;
        this.visitors = visitors;
    }

    /**
     * The user, created on their first message with a visitor of their own; {@code lastInboundAt} is
     * now. When two first messages race, the loser's visitor row stays unused.
     */
    Mono<MessengerUser> arrived(Bot bot, String externalId, String displayName) {
        return touch(bot.id(), externalId, displayName)
                .switchIfEmpty(Mono.defer(() -> visitors.register(bot.id())
                        .flatMap(visitor -> db.sql("""
                                INSERT INTO messenger_user (bot_id, external_id, platform, visitor_id, display_name,
                                    last_inbound_at)
                                VALUES (:bot, :external, :platform, :visitor, :name, now())
                                ON CONFLICT (bot_id, external_id) DO NOTHING""")
                                .bind("bot", bot.id())
                                .bind("external", externalId)
                                .bind("platform", bot.platform().name())
                                .bind("visitor", visitor.id())
                                .bind("name", Parameter.fromOrEmpty(limit(displayName), String.class))
                                .then())
                        .then(touch(bot.id(), externalId, displayName))));
    }

    private Mono<MessengerUser> touch(String botId, String externalId, String displayName) {
        return db.sql("UPDATE messenger_user SET last_inbound_at = now(), unsubscribed_at = NULL, "
                        + "display_name = coalesce(:name, display_name) "
                        + "WHERE bot_id = :bot AND external_id = :external RETURNING " + COLUMNS)
                .bind("bot", botId)
                .bind("external", externalId)
                .bind("name", Parameter.fromOrEmpty(limit(displayName), String.class))
                .map(MessengerUsers::user)
                .one();
    }

    Mono<MessengerUser> find(String botId, String externalId) {
        return db.sql("SELECT " + COLUMNS + " FROM messenger_user WHERE bot_id = :bot AND external_id = :external")
                .bind("bot", botId)
                .bind("external", externalId)
                .map(MessengerUsers::user)
                .one();
    }

    /** Moves identification on; null values keep what is stored. */
    Mono<Void> advance(MessengerUser user, MessengerUser.Stage stage, String fullName, String phone, UUID cardId,
            String pendingText) {
        return db.sql("""
                        UPDATE messenger_user SET stage = :stage, full_name = coalesce(:name, full_name),
                            phone = coalesce(:phone, phone), card_id = coalesce(:card, card_id),
                            pending_text = coalesce(:pending, pending_text)
                        WHERE bot_id = :bot AND external_id = :external""")
                .bind("bot", user.botId())
                .bind("external", user.externalId())
                .bind("stage", stage.name())
                .bind("name", Parameter.fromOrEmpty(fullName, String.class))
                .bind("phone", Parameter.fromOrEmpty(phone, String.class))
                .bind("card", Parameter.fromOrEmpty(cardId, UUID.class))
                .bind("pending", Parameter.fromOrEmpty(pendingText, String.class))
                .then();
    }

    Mono<Void> clearPending(MessengerUser user) {
        return db.sql("UPDATE messenger_user SET pending_text = NULL WHERE bot_id = :bot AND external_id = :external")
                .bind("bot", user.botId())
                .bind("external", user.externalId())
                .then();
    }

    Mono<Void> unsubscribed(String botId, String externalId) {
        return db.sql("UPDATE messenger_user SET unsubscribed_at = now() WHERE bot_id = :bot AND external_id = :external")
                .bind("bot", botId)
                .bind("external", externalId)
                .then();
    }

    private static String limit(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String stripped = name.strip();
        return stripped.length() > 200 ? stripped.substring(0, 200) : stripped;
    }

    private static MessengerUser user(Readable row) {
        OffsetDateTime last = row.get("last_inbound_at", OffsetDateTime.class);
        return new MessengerUser(row.get("bot_id", String.class), row.get("external_id", String.class),
                row.get("visitor_id", UUID.class), row.get("display_name", String.class),
                MessengerUser.Stage.valueOf(row.get("stage", String.class)), row.get("full_name", String.class),
                row.get("phone", String.class), row.get("card_id", UUID.class), row.get("pending_text", String.class),
                last == null ? null : last.toInstant());
    }
}
