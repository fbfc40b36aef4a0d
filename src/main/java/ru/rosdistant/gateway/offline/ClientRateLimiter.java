package ru.rosdistant.gateway.offline;

import java.time.Duration;
import java.util.Optional;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.shared.ClientBuckets;

/** The offline form's rate per client address: {@code forms-per-minute} refill, {@code burst} capacity. */
@Component
class ClientRateLimiter {

    private final ClientBuckets buckets;

    ClientRateLimiter(OfflineProperties properties) {
        this.buckets = new ClientBuckets(properties.formsPerMinute() / 60d, properties.burst(),
                properties.trackedClients());
    }

    /** Takes a token for the client; empty when allowed, else how long until a token is free. */
    Optional<Duration> tryAcquire(String client) {
        return buckets.tryAcquire(client);
    }
}
