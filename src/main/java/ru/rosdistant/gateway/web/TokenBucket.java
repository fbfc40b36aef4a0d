package ru.rosdistant.gateway.web;

/**
 * A token bucket in one node's memory: {@code perSecond} tokens a second, at most {@code burst} saved up; it starts
 * full. For a bound per connection or per node; a bound per client address is {@link ClientBuckets}.
 */
public final class TokenBucket {

    private final double perNano;

    private final double burst;

    private double tokens;

    private long last;

    public TokenBucket(double perSecond, double burst) {
        this.perNano = perSecond / 1_000_000_000d;
        this.burst = burst;
        this.tokens = burst;
        this.last = System.nanoTime();
    }

    /** Takes a token when there is one. */
    public synchronized boolean tryAcquire() {
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
