package ru.rosdistant.gateway.report;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.cluster.SingletonJobs;

/**
 * Keeps the per-day roll-ups of the dialog and deadline figures (V61, docs/reports.md "Roll-ups"): every
 * {@code gateway.report.rollup.interval} one node (a cluster lease) rolls up each whole past day of the last
 * {@code days} that is not rolled up yet, newest first, one day per transaction; and again a day whose deadlines not
 * done were still running when it was rolled up and have fallen due since, or whose working time (the production
 * calendar, the triage settings) changed. A day is rolled up only when all the dialogs that joined a line in it are
 * closed, and only {@code grace} after its end; a later change of one of its dialogs or tasks (a close, rating,
 * classification, triage, task) forgets the day (the triggers of V61), and the next pass rolls it up again. The
 * roll-up of a day takes the day's advisory locks without waiting: while a transaction that changed one of its
 * dialogs is still open, the day waits for the next pass; a change made after the locks waits for the roll-up's
 * commit, then forgets the day.
 */
@Component
class ReportRollups {

    private static final Logger log = LoggerFactory.getLogger(ReportRollups.class);

    private static final String JOB = "report-rollup";

    /** The first key of the advisory locks of V61's {@code report_rollup_forget}; the second is the UTC date. */
    static final int LOCK_CLASS = 61061;

    private static final LocalDate LOCK_EPOCH = LocalDate.of(2000, 1, 1);

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final ReportQueries queries;

    private final Reports reports;

    private final ReportProperties properties;

    private final ReportRollupProperties rollup;

    private final SingletonJobs jobs;

    private Disposable sweep;

    /** The digest of each day's working time: the calendar and the settings do not change while the gateway runs. */
    private final Map<LocalDate, String> calendars = new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether a pass has been logged yet: the first always is (the benchmark waits for it). */
    private volatile boolean logged;

    ReportRollups(ReportConnections connections, ReportQueries queries, Reports reports, ReportProperties properties,
            ReportRollupProperties rollup, SingletonJobs jobs) {
        this.db = connections.rollupDb();
        this.tx = connections.rollupTx();
        this.queries = queries;
        this.reports = reports;
        this.properties = properties;
        this.rollup = rollup;
        this.jobs = jobs;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (!rollup.enabled()) {
            return;
        }
        sweep = Flux.interval(rollup.delay(), rollup.interval())
                .onBackpressureDrop()
                .concatMap(tick -> jobs.runAlone(JOB, rollup.interval(), () -> catchUp(Instant.now()))
                        .onErrorResume(error -> {
                            log.warn("Report roll-ups not kept this pass, retried at the next: {}", error.toString());
                            return Mono.empty();
                        }))
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (sweep != null) {
            sweep.dispose();
        }
    }

    /** What one pass did: days rolled up, and days left for a later pass (a dialog open, a change in progress). */
    record Pass(long rolled, long left, Duration took) {
    }

    /** What {@code report_day} says of a day rolled up. */
    private record Rolled(String calendar, Instant rolledAt, Instant settledAt) {
    }

    /** Rolls up every day of the horizon that is not rolled up, or no longer, as of {@code now}. */
    Mono<Pass> catchUp(Instant now) {
        return catchUp(now, rollup.days());
    }

    /** Rolls up every day of the last {@code days} (the last ended {@code grace} ago) that needs it. */
    Mono<Pass> catchUp(Instant now, int days) {
        ZoneId zone = properties.zone();
        LocalDate today = now.atZone(zone).toLocalDate();
        LocalDate last = today.atStartOfDay(zone).toInstant().plus(rollup.grace()).isAfter(now) ? today.minusDays(2)
                : today.minusDays(1);
        LocalDate first = last.minusDays(days - 1L);
        long started = System.nanoTime();
        return db.sql("""
                        SELECT day, calendar, rolled_at, deadlines_settled_at FROM report_day
                        WHERE zone = :zone AND day >= :first AND day <= :last""")
                .bind("zone", zone.getId())
                .bind("first", first)
                .bind("last", last)
                .map(row -> Map.entry(row.get("day", LocalDate.class), new Rolled(row.get("calendar", String.class),
                        row.get("rolled_at", OffsetDateTime.class).toInstant(),
                        row.get("deadlines_settled_at", OffsetDateTime.class) == null ? null
                                : row.get("deadlines_settled_at", OffsetDateTime.class).toInstant())))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                // the days' digests are computed once (then remembered): off the connection's thread
                .publishOn(reactor.core.scheduler.Schedulers.boundedElastic())
                .flatMapMany(rolled -> Flux.fromStream(first.datesUntil(last.plusDays(1))
                        .sorted(java.util.Comparator.reverseOrder())
                        .filter(day -> due(rolled.get(day), day, now))))
                .concatMap(day -> rollUp(day, now))
                .reduce(new long[2], (counts, done) -> {
                    counts[done ? 0 : 1]++;
                    return counts;
                })
                .map(counts -> new Pass(counts[0], counts[1], Duration.ofNanos(System.nanoTime() - started)))
                .doOnNext(pass -> {
                    if (pass.rolled() > 0 || !logged) {
                        logged = true;
                        log.info("Report roll-ups: {} days rolled up, {} left for a later pass, in {} ms",
                                pass.rolled(), pass.left(), pass.took().toMillis());
                    }
                });
    }

    /** Whether a day is to be rolled up (again). */
    private boolean due(Rolled rolled, LocalDate day, Instant now) {
        return rolled == null || !rolled.calendar().equals(calendar(day))
                || rolled.settledAt() != null && !rolled.settledAt().isBefore(rolled.rolledAt())
                        && rolled.settledAt().isBefore(now);
    }

    /** Rolls up one day as of the system clock; see {@link #rollUp(LocalDate, Instant)}. */
    Mono<Boolean> rollUp(LocalDate day) {
        return rollUp(day, Instant.now());
    }

    /**
     * Rolls up one day in a transaction of its own, its deadlines judged as of {@code now}: true when done, false
     * when the day waits for a later pass (a transaction that changed one of its dialogs still runs, or one of its
     * dialogs is still open).
     */
    Mono<Boolean> rollUp(LocalDate day, Instant now) {
        ZoneId zone = properties.zone();
        Instant starts = day.atStartOfDay(zone).toInstant();
        Instant ends = day.plusDays(1).atStartOfDay(zone).toInstant();
        ReportQueries.WorkingTime time = reports.workingTime(one(day));
        String calendar = calendar(day);
        Mono<Boolean> work = db.sql("SELECT set_config('statement_timeout', '60s', true), set_config('jit', 'off', true)")
                .then()
                .then(db.sql("""
                                SELECT bool_and(pg_try_advisory_xact_lock(:lockClass, k)) AS locked
                                FROM generate_series(CAST(:firstKey AS int), CAST(:lastKey AS int)) k""")
                        .bind("lockClass", LOCK_CLASS)
                        .bind("firstKey", lockKey(starts))
                        .bind("lastKey", lockKey(ends.minusNanos(1_000)))
                        .map(row -> Boolean.TRUE.equals(row.get("locked", Boolean.class)))
                        .one())
                .filter(Boolean::booleanValue)
                .flatMap(locked -> db.sql("""
                                SELECT EXISTS (SELECT 1 FROM dialog d
                                               WHERE d.state <> 'CLOSED' AND d.queued_at >= :starts
                                                 AND d.queued_at < :ends) AS open""")
                        .bind("starts", starts.atOffset(ZoneOffset.UTC))
                        .bind("ends", ends.atOffset(ZoneOffset.UTC))
                        .map(row -> Boolean.TRUE.equals(row.get("open", Boolean.class)))
                        .one())
                .filter(open -> !open)
                .flatMap(closed -> queries.writeDay(db, day, time, calendar, now).thenReturn(true));
        return work.as(tx::transactional).defaultIfEmpty(false);
    }

    /** The digest of a day's working time, as {@code report_day.calendar}. */
    String calendar(LocalDate day) {
        return calendars.computeIfAbsent(day, key -> digest(reports.workingTime(one(key))));
    }

    private static ReportFilter one(LocalDate day) {
        return new ReportFilter(day, day, ReportFilter.Step.DAY, ReportFilter.GroupBy.LINE, null, null, null, null);
    }

    private static String digest(ReportQueries.WorkingTime time) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(time.toString().getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The second key of a day's advisory lock: the instant's UTC date, in days since 2000-01-01 (as in V61). */
    static int lockKey(Instant at) {
        return (int) ChronoUnit.DAYS.between(LOCK_EPOCH, at.atOffset(ZoneOffset.UTC).toLocalDate());
    }
}
