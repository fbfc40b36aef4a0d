package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.DialogAssigned;
import ru.rosdistant.gateway.dialog.DialogClosed;

/**
 * The report's figures as Prometheus histograms per line, so that Grafana charts their p50/p90 live
 * (docs/grafana/): {@code gateway_dialog_wait_seconds} (joining the line to the first assignment, observed at that
 * assignment), {@code gateway_dialog_first_response_seconds} (joining the line to the first agent message) and
 * {@code gateway_dialog_handle_seconds} (first assignment to close), both observed when the dialog closes. The
 * buckets are the service levels a supervisor reads (30 s, 1, 2, 5, 10 minutes …). Each observation is one small
 * query by primary key, after the event, off the chat path; a failed one is skipped, not retried.
 */
@Component
class LiveMetrics {

    private static final Logger log = LoggerFactory.getLogger(LiveMetrics.class);

    static final Duration[] SLO = {Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
            Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(4)};

    private final MeterRegistry registry;

    private final DatabaseClient db;

    LiveMetrics(MeterRegistry registry, DatabaseClient db) {
        this.registry = registry;
        this.db = db;
    }

    @EventListener
    void on(DialogAssigned assigned) {
        UUID id = assigned.dialog().id();
        String line = assigned.dialog().lineId();
        db.sql("""
                        SELECT d.queued_at, min(m.created_at) AS assigned_at, count(m.seq) AS assignments
                        FROM dialog d LEFT JOIN message m ON m.dialog_id = d.id AND m.event = 'assigned'
                        WHERE d.id = :id
                        GROUP BY d.queued_at""")
                .bind("id", id)
                .map(row -> {
                    // only the first assignment measures the wait; a requeued dialog's next one does not
                    long assignments = row.get("assignments", Long.class);
                    return assignments == 1 ? between(row.get("queued_at", OffsetDateTime.class),
                            row.get("assigned_at", OffsetDateTime.class)) : Duration.ofSeconds(-1);
                })
                .one()
                .filter(wait -> !wait.isNegative())
                .subscribe(wait -> timer("gateway.dialog.wait", "From joining the line to the first assignment", line)
                                .record(wait),
                        error -> log.debug("No wait observed for {}: {}", id, error.toString()));
    }

    @EventListener
    void on(DialogClosed closed) {
        UUID id = closed.dialog().id();
        db.sql("""
                        SELECT d.offered_line_id, d.line_id, d.queued_at, d.closed_at,
                               (SELECT min(created_at) FROM message WHERE dialog_id = d.id AND event = 'assigned')
                                   AS assigned_at,
                               (SELECT min(created_at) FROM message WHERE dialog_id = d.id AND sender = 'AGENT'
                                   AND event IS NULL) AS replied_at
                        FROM dialog d WHERE d.id = :id""")
                .bind("id", id)
                .map(row -> new Closed(row.get("offered_line_id", String.class), row.get("line_id", String.class),
                        row.get("queued_at", OffsetDateTime.class), row.get("assigned_at", OffsetDateTime.class),
                        row.get("replied_at", OffsetDateTime.class), row.get("closed_at", OffsetDateTime.class)))
                .one()
                .onErrorResume(error -> {
                    log.debug("No close figures observed for {}: {}", id, error.toString());
                    return Mono.empty();
                })
                .subscribe(this::observe);
    }

    private record Closed(String offeredLine, String line, OffsetDateTime queuedAt, OffsetDateTime assignedAt,
            OffsetDateTime repliedAt, OffsetDateTime closedAt) {
    }

    private void observe(Closed closed) {
        String line = closed.offeredLine() != null ? closed.offeredLine() : closed.line();
        Duration firstResponse = between(closed.queuedAt(), closed.repliedAt());
        if (!firstResponse.isNegative()) {
            timer("gateway.dialog.first.response", "From joining the line to the first agent message", line)
                    .record(firstResponse);
        }
        Duration handle = between(closed.assignedAt(), closed.closedAt());
        if (!handle.isNegative()) {
            timer("gateway.dialog.handle", "From the first assignment to the close", line).record(handle);
        }
    }

    private Timer timer(String name, String description, String line) {
        return Timer.builder(name)
                .description(description)
                .tag("line", line == null ? "none" : line)
                .serviceLevelObjectives(SLO)
                .register(registry);
    }

    /** Negative when either end is unknown. */
    private static Duration between(OffsetDateTime from, OffsetDateTime to) {
        return from == null || to == null ? Duration.ofSeconds(-1)
                : Duration.between(from, to).isNegative() ? Duration.ZERO : Duration.between(from, to);
    }
}
