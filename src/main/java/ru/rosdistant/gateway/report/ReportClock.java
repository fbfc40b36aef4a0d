package ru.rosdistant.gateway.report;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.stereotype.Component;

/**
 * "Now" for the deadline figures (a deadline not yet met is missed only once it has passed). The system clock;
 * tests set another.
 */
@Component
class ReportClock {

    private final AtomicReference<Clock> clock = new AtomicReference<>(Clock.systemUTC());

    Instant now() {
        return clock.get().instant();
    }

    void set(Clock next) {
        clock.set(next);
    }
}
