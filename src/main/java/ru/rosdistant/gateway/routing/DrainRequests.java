package ru.rosdistant.gateway.routing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import org.springframework.stereotype.Component;

/**
 * The lines waiting for a drain, in the order asked. Asking again for a line already pending adds nothing, so a
 * slow database makes requests merge, never pile up. {@link LineDrains} takes them one at a time.
 */
@Component
class DrainRequests {

    private final Set<String> pendingLines = ConcurrentHashMap.newKeySet();

    private final Sinks.Many<String> drains = Sinks.many().unicast().onBackpressureBuffer();

    /** Asks for a drain of the line (merged with one already pending). */
    void request(String line) {
        if (pendingLines.add(line)) {
            synchronized (drains) {
                drains.tryEmitNext(line);
            }
        }
    }

    /** The lines asked for; one subscriber (the drain pipeline). */
    Flux<String> lines() {
        return drains.asFlux();
    }

    /** The drain of the line starts: what happens from now on asks for another. */
    void started(String line) {
        pendingLines.remove(line);
    }
}
