package ru.rosdistant.gateway.web;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client address: {@code perSecond} refill, {@code burst} capacity. Buckets that are full
 * again are forgotten once more than {@code trackedClients} addresses are known, so memory stays bounded.
 * Per node: with several nodes a client gets the limit on each (cluster.SharedBuckets shares a rate through Redis
 * and falls back to this: the offline forms, new visitors, the messages of a widget dialog, the login throttle).
 * Used here by the per-node rates (new dialogs, transcript copies).
 */
public final class ClientBuckets {

    private final double perNano;

    private final double burst;

    private final int trackedClients;

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public ClientBuckets(double perSecond, int burst, int trackedClients) {
        this.perNano = perSecond / 1_000_000_000d;
        this.burst = burst;
        this.trackedClients = trackedClients;
    }

    /** Takes a token for the client; empty when allowed, else how long until a token is free. */
    public Optional<Duration> tryAcquire(String client) {
        long now = System.nanoTime();
        if (buckets.size() > trackedClients) {
            buckets.values().removeIf(bucket -> bucket.isFull(now));
        }
        return buckets.computeIfAbsent(client, key -> new Bucket(now)).tryAcquire(now);
    }

    /** Whether the client has a token, without taking it; empty when so, else how long until one is free. */
    public Optional<Duration> peek(String client) {
        Bucket bucket = buckets.get(client);
        return bucket == null ? Optional.empty() : bucket.peek(System.nanoTime());
    }

    /** Fills the client's bucket again (a login that succeeded starts its count of failures again). */
    public void forget(String client) {
        buckets.remove(client);
    }

    private final class Bucket {

        private double tokens = burst;

        private long last;

        Bucket(long now) {
            this.last = now;
        }

        synchronized Optional<Duration> tryAcquire(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) / perNano)));
        }

        synchronized Optional<Duration> peek(long now) {
            refill(now);
            return tokens >= 1 ? Optional.empty()
                    : Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) / perNano)));
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            tokens = Math.min(burst, tokens + Math.max(0, now - last) * perNano);
            last = now;
        }
    }
}
