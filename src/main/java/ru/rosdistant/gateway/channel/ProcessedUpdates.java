package ru.rosdistant.gateway.channel;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * The platforms' update keys already processed: platforms deliver at least once (a webhook retried after
 * a timeout, a poll repeated after a restart). A key is remembered after its effect is stored; the effect
 * itself is idempotent too (the visitor message carries the key as its client id), which covers a crash
 * between the two.
 */
@Component
class ProcessedUpdates {

    private final DatabaseClient db;

    ProcessedUpdates(DatabaseClient db) {
        this.db = db;
    }

    Mono<Boolean> seen(String botId, String key) {
        return db.sql("SELECT 1 FROM messenger_update WHERE bot_id = :bot AND update_key = :key")
                .bind("bot", botId)
                .bind("key", key)
                .map(row -> true)
                .one()
                .defaultIfEmpty(false);
    }

    Mono<Void> remember(String botId, String key) {
        return db.sql("INSERT INTO messenger_update (bot_id, update_key) VALUES (:bot, :key) ON CONFLICT DO NOTHING")
                .bind("bot", botId)
                .bind("key", key)
                .then();
    }
}
