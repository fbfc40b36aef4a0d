package ru.rosdistant.gateway.channel;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

/**
 * Where each long-polling bot stands (VK Bots Long Poll: server, key and {@code ts}; MAX: the {@code marker}),
 * stored after the updates before it were stored, so that a restart resumes from there.
 */
@Component
public class PollPositions {

    /** A bot's position; {@code server} and {@code key} are null where the platform has none. */
    public record Position(String server, String key, String position) {

        public Position at(String next) {
            return new Position(server, key, next == null || next.isEmpty() ? position : next);
        }
    }

    private final DatabaseClient db;

    PollPositions(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Position> load(String botId) {
        return db.sql("SELECT server, poll_key, position FROM messenger_poll_state WHERE bot_id = :bot")
                .bind("bot", botId)
                .map(row -> new Position(row.get("server", String.class), row.get("poll_key", String.class),
                        row.get("position", String.class)))
                .one();
    }

    public Mono<Void> save(String botId, Position position) {
        return db.sql("""
                        INSERT INTO messenger_poll_state (bot_id, server, poll_key, position) VALUES (:bot, :server, :key, :at)
                        ON CONFLICT (bot_id) DO UPDATE SET server = excluded.server, poll_key = excluded.poll_key,
                            position = excluded.position, updated_at = now()""")
                .bind("bot", botId)
                .bind("server", Parameter.fromOrEmpty(position.server(), String.class))
                .bind("key", Parameter.fromOrEmpty(position.key(), String.class))
                .bind("at", position.position())
                .then();
    }
}
