package ru.rosdistant.gateway.task;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.stereotype.Component;

/** "Now" for the casework deadlines that tests drive: the system clock; tests set another and set it back. */
@Component
public class TaskClock {

    private final AtomicReference<Clock> clock = new AtomicReference<>(Clock.systemUTC());

    public Instant now() {
        return clock.get().instant();
    }

    public void set(Clock next) {
        clock.set(next);
    }
}
