package ru.rosdistant.gateway.dialog;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The number of dialogs that are not closed, counted in PostgreSQL every few seconds (a gauge read
 * must not query the database on the scrape thread).
 */
@Component
class DialogMetrics {

    private static final Duration REFRESH = Duration.ofSeconds(5);

    private final DialogQueries dialogs;

    private final AtomicLong open = new AtomicLong();

    private Disposable refresher;

    DialogMetrics(DialogQueries dialogs, AppendBatches batches, MeterRegistry registry) {
        this.dialogs = dialogs;
        Gauge.builder("gateway.dialogs.open", open, AtomicLong::get)
                .description("Dialogs waiting or assigned (not closed)")
                .register(registry);
        FunctionCounter.builder("gateway.messages.append.statements", batches, AppendBatches::statements)
                .description("Statements that stored people's messages (one per batch)")
                .register(registry);
        FunctionCounter.builder("gateway.messages.append.rows", batches, AppendBatches::appends)
                .description("Messages sent to PostgreSQL in those statements")
                .register(registry);
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        refresher = Flux.interval(Duration.ZERO, REFRESH)
                .onBackpressureDrop()
                .concatMap(tick -> dialogs.countOpen().onErrorResume(error -> Mono.empty()))
                .subscribe(open::set);
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (refresher != null) {
            refresher.dispose();
        }
    }
}
