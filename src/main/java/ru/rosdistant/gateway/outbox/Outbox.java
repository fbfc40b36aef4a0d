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
