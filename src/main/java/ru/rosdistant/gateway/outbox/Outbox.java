package ru.rosdistant.gateway.outbox;

import io.r2dbc.postgresql.codec.Json;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * The durable outbox: every outbound side effect (a mail, later a messenger send, a CRM write) is queued
 * here in the transaction that decided it, and delivered afterwards by the relay through the
 * {@link OutboxHandler} of its kind, with retries.
 */
@Component
public class Outbox {

    private final DatabaseClient db;

    private final JsonMapper json;

    Outbox(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Entries not delivered (pending, being delivered or failed for good), and of them the failed ones. */
    public record Backlog(long undelivered, long failed) {
    }

    /** What is not delivered yet, for the supervisor's overview. */
    public Mono<Backlog> backlog() {
        return db.sql("SELECT count(*) FILTER (WHERE state <> 'DELIVERED') AS undelivered, "
                        + "count(*) FILTER (WHERE state = 'FAILED') AS failed FROM outbox")
                .map(row -> new Backlog(row.get("undelivered", Long.class), row.get("failed", Long.class)))
                .one();
    }

    /**
     * Queues a side effect. Runs in the caller's transaction when there is one (subscribe it inside the
     * {@code TransactionalOperator} chain), so the entry exists exactly when the caller's change does.
     * {@code dedupKey} names the side effect (e.g. {@code offline-form:<id>}): queuing the same key again
     * does nothing. {@code payload} is serialised to JSON and handed to the handler as it was; by
     * convention its {@code to} and {@code subject} fields, if any, are shown to supervisors.
     */
    public Mono<Void> enqueue(String kind, String dedupKey, Object payload) {
        return Mono.fromCallable(() -> Json.of(json.writeValueAsString(payload)))
                .flatMap(body -> db.sql("""
                        INSERT INTO outbox (kind, dedup_key, payload) VALUES (:kind, :key, :payload)
                        ON CONFLICT (dedup_key) DO NOTHING""")
                        .bind("kind", kind)
                        .bind("key", dedupKey)
                        .bind("payload", body)
                        .then());
    }
}
