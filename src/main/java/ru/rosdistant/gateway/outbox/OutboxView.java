package ru.rosdistant.gateway.outbox;

import java.time.Instant;

/**
 * What a supervisor sees of an entry: its progress, and of the payload only the recipient and subject,
 * to keep personal data out of the listing.
 */
record OutboxView(long id, String kind, String dedupKey, OutboxState state, int attempts, String lastError,
        String recipient, String subject, Instant createdAt, Instant nextAttemptAt, Instant deliveredAt) {
}
