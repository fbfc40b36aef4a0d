package ru.rosdistant.gateway.outbox;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;

import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

/** The outbox table as the relay, the metrics and the supervisor listing use it. */
@Component
class OutboxEntries {

    private static final int MAX_ERROR_LENGTH = 2000;

    private final DatabaseClient db;

    private final JsonMapper json;

    OutboxEntries(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /**
     * Leases up to {@code limit} due entries of these kinds: pending ones whose time has come, and ones
     * whose lease ran out without an outcome (their relay died mid-delivery). SKIP LOCKED lets several
     * relays claim side by side without waiting for, or taking, each other's rows.
     */
    Flux<ClaimedEntry> claim(Collection<String> kinds, int limit, Duration lease) {
        return db.sql("""
                UPDATE outbox o
                SET state = 'DELIVERING', attempts = o.attempts + 1,
                    locked_until = now() + make_interval(secs => :lease)
                WHERE o.id IN (
                    SELECT id FROM outbox
                    WHERE kind = ANY(:kinds)
                      AND ((state = 'PENDING' AND next_attempt_at <= now())
                        OR (state = 'DELIVERING' AND locked_until <= now()))
                    ORDER BY id
                    LIMIT :limit
                    FOR UPDATE SKIP LOCKED)
                RETURNING o.id, o.kind, o.dedup_key, o.payload, o.attempts""")
                .bind("lease", seconds(lease))
                .bind("kinds", kinds.toArray(String[]::new))
                .bind("limit", limit)
                .map(row -> new ClaimedEntry(row.get("id", Long.class), row.get("kind", String.class),
                        row.get("dedup_key", String.class), json.readTree(row.get("payload", Json.class).asString()),
                        row.get("attempts", Integer.class)))
                .all();
    }

    /** Records the delivery; false when the lease was lost to another claim meanwhile. */
    Mono<Boolean> delivered(ClaimedEntry entry) {
        return db.sql("""
                UPDATE outbox SET state = 'DELIVERED', delivered_at = now(), locked_until = NULL, last_error = NULL
                WHERE id = :id AND state = 'DELIVERING' AND attempts = :attempt""")
                .bind("id", entry.id())
                .bind("attempt", entry.attempt())
                .fetch()
                .rowsUpdated()
                .map(updated -> updated > 0);
    }

    /**
     * Gives back a claimed entry whose send never began (its node is stopping): due again at once, and the claim's
     * attempt not counted.
     */
    Mono<Void> release(ClaimedEntry entry) {
        return db.sql("""
                UPDATE outbox SET state = 'PENDING', attempts = attempts - 1, next_attempt_at = now(), locked_until = NULL
                WHERE id = :id AND state = 'DELIVERING' AND attempts = :attempt""")
                .bind("id", entry.id())
                .bind("attempt", entry.attempt())
                .then();
    }

    /** Records a failed attempt: FAILED when it was permanent or the last allowed, else PENDING again. */
    Mono<OutboxState> failed(ClaimedEntry entry, String error, boolean permanent, int maxAttempts, Duration backoff) {
        return db.sql("""
                UPDATE outbox
                SET state = CASE WHEN :permanent OR attempts >= :max THEN 'FAILED' ELSE 'PENDING' END,
                    next_attempt_at = now() + make_interval(secs => :backoff),
                    locked_until = NULL, last_error = :error
                WHERE id = :id AND state = 'DELIVERING' AND attempts = :attempt
                RETURNING state""")
                .bind("permanent", permanent)
                .bind("max", maxAttempts)
                .bind("backoff", seconds(backoff))
                .bind("error", truncated(error))
                .bind("id", entry.id())
                .bind("attempt", entry.attempt())
                .map(row -> OutboxState.valueOf(row.get("state", String.class)))
                .one();
    }

    Flux<OutboxView> list(OutboxState state, int limit) {
        return db.sql("""
                SELECT id, kind, dedup_key, state, attempts, last_error, payload ->> 'to' AS recipient,
                       payload ->> 'subject' AS subject, created_at, next_attempt_at, delivered_at
                FROM outbox
                WHERE CAST(:state AS text) IS NULL OR state = CAST(:state AS text)
                ORDER BY id DESC
                LIMIT :limit""")
                .bind("state", Parameter.fromOrEmpty(state == null ? null : state.name(), String.class))
                .bind("limit", limit)
                .map(OutboxEntries::view)
                .all();
    }

    Mono<Map<OutboxState, Long>> counts() {
        return db.sql("SELECT state, count(*) AS n FROM outbox GROUP BY state")
                .map(row -> Map.entry(OutboxState.valueOf(row.get("state", String.class)), row.get("n", Long.class)))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /** Deletes delivered entries older than the retention; a dedup key is remembered that long. */
    Mono<Long> purgeDelivered(Duration retention) {
        return db.sql("DELETE FROM outbox WHERE state = 'DELIVERED' AND delivered_at < now() - make_interval(secs => :age)")
                .bind("age", seconds(retention))
                .fetch()
                .rowsUpdated();
    }

    private static OutboxView view(Readable row) {
        return new OutboxView(row.get("id", Long.class), row.get("kind", String.class),
                row.get("dedup_key", String.class), OutboxState.valueOf(row.get("state", String.class)),
                row.get("attempts", Integer.class), row.get("last_error", String.class),
                row.get("recipient", String.class), row.get("subject", String.class), instant(row, "created_at"),
                instant(row, "next_attempt_at"), instant(row, "delivered_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000d;
    }

    private static String truncated(String error) {
        return error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error;
    }
}
