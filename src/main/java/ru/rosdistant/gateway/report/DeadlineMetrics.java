package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.SingletonJobs;
import ru.rosdistant.gateway.site.Line;
import ru.rosdistant.gateway.site.Sites;

/**
 * {@code gateway_deadlines_missed_total{rule, line}}: the regulation's deadlines (triage, classification, tasks; the
 * same rules and calendar as the deadline report) counted as they fall due undone. Every
 * {@code gateway.report.missed-check-interval} one node (a cluster lease) asks PostgreSQL which deadlines fell due
 * since its last pass without being done, and adds them; a failed pass is retried with the same window at the next
 * one, so every miss is counted once by the node that held the job. Deadlines started more than
 * {@link #LOOK_BACK} before they fall due (a task given a far due date) are not counted here; the report has them.
 */
@Component
class DeadlineMetrics {

    private static final Logger log = LoggerFactory.getLogger(DeadlineMetrics.class);

    static final Duration LOOK_BACK = Duration.ofDays(31);

    private static final String JOB = "report-deadlines-missed";

    private final Reports reports;

    private final ReportClock clock;

    private final SingletonJobs jobs;

    private final MeterRegistry registry;

    private final Duration interval;

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    private volatile Instant checkedUntil;

    private Disposable sweep;

    DeadlineMetrics(Reports reports, ReportClock clock, SingletonJobs jobs, MeterRegistry registry,
            ReportProperties properties, Sites sites) {
        this.reports = reports;
        this.clock = clock;
        this.jobs = jobs;
        this.registry = registry;
        this.interval = properties.missedCheckInterval();
        // every configured line's counters exist from the start at zero, so that a rate over them is defined before
        // the first miss (a line added later shows from its first)
        for (Line line : sites.lines()) {
            Reports.RULES.forEach(rule -> counter(rule, line.id()));
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        checkedUntil = clock.now();
        sweep = Flux.interval(interval, interval)
                .onBackpressureDrop()
                .concatMap(tick -> next())
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (sweep != null) {
            sweep.dispose();
        }
    }

    private Mono<Void> next() {
        Instant until = clock.now();
        return count(checkedUntil, until)
                .doOnSuccess(done -> checkedUntil = until)
                .onErrorResume(error -> {
                    log.warn("Missed deadlines not counted this pass, retried at the next: {}", error.toString());
                    return Mono.empty();
                });
    }

    /** Adds the deadlines that fell due in {@code since} to {@code until} undone (when this node holds the job). */
    Mono<Void> count(Instant since, Instant until) {
        return jobs.runAlone(JOB, interval, () -> reports.missedBetween(since, until, LOOK_BACK))
                .doOnNext(missed -> counter(missed.rule(), missed.line()).increment(missed.count()))
                .then();
    }

    private Counter counter(String rule, String line) {
        return counters.computeIfAbsent(rule + "/" + line, key -> Counter.builder("gateway.deadlines.missed")
                .description("The regulation's deadlines that fell due undone (triage, classification, tasks)")
                .tag("rule", rule)
                .tag("line", line == null ? "none" : line)
                .register(registry));
    }
}
