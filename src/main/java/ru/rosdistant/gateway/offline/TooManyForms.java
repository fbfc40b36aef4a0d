package ru.rosdistant.gateway.offline;

import java.time.Duration;

/** This client address has sent more forms than the rate limit allows; it may try again after the pause. */
class TooManyForms extends RuntimeException {

    private final Duration retryAfter;

    TooManyForms(Duration retryAfter) {
        super("Too many forms from this address; try again in " + Math.max(1, (retryAfter.toMillis() + 999) / 1000) + " s");
        this.retryAfter = retryAfter;
    }

    Duration retryAfter() {
        return retryAfter;
    }
}
