package ru.rosdistant.gateway.offline;

import java.time.Duration;
import java.util.Optional;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.SharedBuckets;

/**
 * The offline form's rate per client address: {@code forms-per-minute} refill, {@code burst} capacity; with several
 * nodes shared by all of them (cluster.SharedBuckets).
 */
@Component
class ClientRateLimiter {

    private final SharedBuckets.Bucket buckets;

    ClientRateLimiter(OfflineProperties properties, SharedBuckets shared) {
        this.buckets = shared.bucket("offline-form", properties.formsPerMinute() / 60d, properties.burst(),
                properties.trackedClients());
    }

    /** Takes a token for the client; empty when allowed, else how long until a token is free. */
    Mono<Optional<Duration>> tryAcquire(String client) {
        return buckets.tryAcquire(client);
    }
}
