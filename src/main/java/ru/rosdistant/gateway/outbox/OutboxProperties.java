package ru.rosdistant.gateway.outbox;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The relay: how often it looks for due entries and how many it takes, how long a claim lasts, how retries
 * back off ({@code backoff-start} doubling up to {@code backoff-max}) and when it gives up; {@code stop-wait}: how long a
 * stopping node waits for its sends under way to end and be recorded (what it cannot record is sent again by a node
 * when the lease ends), at most {@code spring.lifecycle.timeout-per-shutdown-phase} ({@link OutboxRelay}).
 */
@ConfigurationProperties("gateway.outbox")
record OutboxProperties(@DefaultValue("true") boolean relayEnabled, @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("20") int batchSize, @DefaultValue("4") int concurrency,
        @DefaultValue("1m") Duration deliveryTimeout, @DefaultValue("5m") Duration lease,
        @DefaultValue("5s") Duration backoffStart, @DefaultValue("15m") Duration backoffMax,
        @DefaultValue("50") int maxAttempts, @DefaultValue("10s") Duration metricsRefresh,
        @DefaultValue("30d") Duration retention, @DefaultValue("8s") Duration stopWait) {

    OutboxProperties {
        if (lease.compareTo(deliveryTimeout) <= 0) {
            throw new IllegalArgumentException("gateway.outbox.lease (" + lease
                    + ") must be longer than gateway.outbox.delivery-timeout (" + deliveryTimeout + ")");
        }
        if (batchSize < 1 || concurrency < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("gateway.outbox batch-size, concurrency and max-attempts must be positive");
        }
    }

    /** The pause before the next attempt after {@code attempts} failed ones. */
    Duration backoff(int attempts) {
        int doublings = Math.min(Math.max(attempts - 1, 0), 30);
        Duration delay = backoffStart.multipliedBy(1L << doublings);
        return delay.compareTo(backoffMax) > 0 ? backoffMax : delay;
    }
}
