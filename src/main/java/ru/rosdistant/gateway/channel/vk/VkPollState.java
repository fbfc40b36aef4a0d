package ru.rosdistant.gateway.channel.vk;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/** Where each long-polling bot stands: the server and key VK gave it and the last position stored. */
@Component
class VkPollState {

    record Position(String server, String key, String ts) {

        Position withTs(String next) {
            return new Position(server, key, next == null || next.isEmpty() ? ts : next);
        }
    }

    private final DatabaseClient db;

    VkPollState(DatabaseClient db) {
        this.db = db;
    }

    Mono<Position> load(String botId) {
        return db.sql("SELECT server, poll_key, position FROM messenger_poll_state WHERE bot_id = :bot")
                .bind("bot", botId)
                .map(row -> new Position(row.get("server", String.class), row.get("poll_key", String.class),
                        row.get("position", String.class)))
                .one();
    }

    Mono<Void> save(String botId, Position position) {
        return db.sql("""
                        INSERT INTO messenger_poll_state (bot_id, server, poll_key, position) VALUES (:bot, :server, :key, :ts)
                        ON CONFLICT (bot_id) DO UPDATE SET server = excluded.server, poll_key = excluded.poll_key,
                            position = excluded.position, updated_at = now()""")
                .bind("bot", botId)
                .bind("server", position.server())
                .bind("key", position.key())
                .bind("ts", position.ts())
                .then();
    }
}
