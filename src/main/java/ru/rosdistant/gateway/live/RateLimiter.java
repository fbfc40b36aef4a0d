package ru.rosdistant.gateway.live;

/**
 * A token bucket per connection. Only the connection's inbound pipeline calls it, one frame at a time,
 * so it needs no locking.
 */
final class RateLimiter {

    private final double perNano;

    private final double burst;

    private double tokens;

    private long last;

    RateLimiter(double perSecond, double burst) {
        this.perNano = perSecond / 1_000_000_000d;
        this.burst = burst;
        this.tokens = burst;
        this.last = System.nanoTime();
    }

    boolean tryAcquire() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
