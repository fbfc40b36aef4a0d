package ru.rosdistant.gateway.outbox;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * {@code gateway.outbox.entries{state}}, counted in PostgreSQL every {@code metrics-refresh} (a scrape must
 * not query the database); and, hourly, the removal of delivered entries older than the retention.
 */
@Component
class OutboxMetrics {

    private static final Logger log = LoggerFactory.getLogger(OutboxMetrics.class);

    private static final Duration PURGE_EVERY = Duration.ofHours(1);

    private final OutboxEntries entries;

    private final OutboxProperties properties;

    private final Map<OutboxState, AtomicLong> counts = new EnumMap<>(OutboxState.class);

    private final ru.rosdistant.gateway.cluster.SingletonJobs jobs;

    private final Disposable.Composite loops = Disposables.composite();

    OutboxMetrics(OutboxEntries entries, OutboxProperties properties, MeterRegistry registry,
            ru.rosdistant.gateway.cluster.SingletonJobs jobs) {
        this.jobs = jobs;
        this.entries = entries;
        this.properties = properties;
        for (OutboxState state : OutboxState.values()) {
            AtomicLong count = new AtomicLong();
            counts.put(state, count);
            Gauge.builder("gateway.outbox.entries", count, AtomicLong::get)
                    .description("Outbox entries by state")
                    .tag("state", state.name())
                    .register(registry);
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        loops.add(Flux.interval(Duration.ZERO, properties.metricsRefresh())
                .onBackpressureDrop()
                .concatMap(tick -> entries.counts()
                        .onErrorResume(error -> Mono.empty()), 1)
                .subscribe(this::update));
        loops.add(Flux.interval(Duration.ZERO, PURGE_EVERY)
                .onBackpressureDrop()
                .concatMap(tick -> jobs.runAlone("outbox.purge", PURGE_EVERY,
                                () -> entries.purgeDelivered(properties.retention()))
                        .onErrorResume(error -> Mono.empty()), 1)
                .filter(purged -> purged > 0)
                .subscribe(purged -> log.info("Removed {} delivered outbox entries older than {}", purged,
                        properties.retention())));
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        loops.dispose();
    }

    private void update(Map<OutboxState, Long> current) {
        counts.forEach((state, count) -> count.set(current.getOrDefault(state, 0L)));
    }
}
