package ru.rosdistant.gateway.channel;

import java.time.Duration;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The platform asks the bot to slow down (VK errors 6, 9 and 10, MAX's 429, Viber's status 12). A call is tried
 * three more times with back-off from half a second ({@link #retried}); after that the error goes on and the
 * outbox retries the entry with its own back-off.
 */
public class RateLimited extends RuntimeException {

    private static final Retry BACKOFF = Retry.backoff(3, Duration.ofMillis(500))
            .filter(RateLimited.class::isInstance)
            .onRetryExhaustedThrow((spec, signal) -> signal.failure());

    public RateLimited(String message) {
        super(message);
    }

    /** The call, made again while the platform answers that it is rate-limited (three more times at most). */
    public static <T> Mono<T> retried(Supplier<Mono<T>> call) {
        return Mono.defer(call)
                .retryWhen(BACKOFF);
    }
}
