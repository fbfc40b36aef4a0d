package ru.rosdistant.gateway.channel;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

/** Statuses the platforms report for what we sent (delivered, read, failed), each recorded once. */
@Component
public class DeliveryStatuses {

    private final DatabaseClient db;

    DeliveryStatuses(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Void> record(Bot bot, String messageId, String recipient, String status, String detail) {
        return db.sql("""
                        INSERT INTO messenger_status (bot_id, message_id, recipient, status, detail)
                        VALUES (:bot, :message, :recipient, :status, :detail)
                        ON CONFLICT (bot_id, message_id, status) DO NOTHING""")
                .bind("bot", bot.id())
                .bind("message", Keys.fit(messageId, 200))
                .bind("recipient", Parameter.fromOrEmpty(recipient, String.class))
                .bind("status", Keys.fit(status, 40))
                .bind("detail", Parameter.fromOrEmpty(detail, String.class))
                .then();
    }
}
