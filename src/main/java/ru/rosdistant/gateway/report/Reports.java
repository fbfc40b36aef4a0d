package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * The reports for supervisors (docs/reports.md): dialog figures, the regulation's deadlines, the agents' figures,
 * and the rows behind each. The caller passes a checked {@link ReportFilter} whose {@code lines} is already the
 * caller's scope. Working time comes from the production calendar and the dispatcher line's hours.
 */
@Component
public class Reports {

    /** Deadlines started near the period's end fall due after it: the calendar is prepared this far beyond. */
    private static final int CALENDAR_BEYOND_DAYS = 60;

    /** The deadline rules a drill-down may ask for. */
    public static final List<String> RULES = List.of("TRIAGE", "CLASSIFICATION", "TASK");

    /** How a deadline stands. */
    public static final List<String> STATUSES = List.of("KEPT", "MISSED", "PENDING");

    private final ReportQueries queries;

    private final WorkingCalendar calendar;

    private final Sites sites;

    private final ReportClock clock;

    private final ReportProperties properties;

    private final ReportRollupProperties rollup;

    private final String triageLine;

    private final Duration triageDeadline;

    Reports(ReportQueries queries, WorkingCalendar calendar, Sites sites, ReportClock clock,
            ReportProperties properties, ReportRollupProperties rollup,
            @Value("${gateway.triage.line:dispatcher}") String triageLine,
            @Value("${gateway.triage.deadline:10m}") Duration triageDeadline) {
        this.rollup = rollup;
        this.queries = queries;
        this.calendar = calendar;
        this.sites = sites;
        this.clock = clock;
        this.properties = properties;
        this.triageLine = triageLine;
        this.triageDeadline = triageDeadline;
    }

    public Flux<DialogFigures> dialogFigures(ReportFilter filter) {
        return dialogFigures(filter, rollup.enabled());
    }

    /** {@code rolledUp} false counts every day from its dialogs, as if nothing were rolled up. */
    Flux<DialogFigures> dialogFigures(ReportFilter filter, boolean rolledUp) {
        return limited(queries.dialogFigures(filter, rolledUp));
    }

    /** One bar of the wait histogram: answered dialogs that waited under {@code upToSeconds} (null: the rest). */
    public record WaitBar(Long fromSeconds, Long upToSeconds, long dialogs) {
    }

    /** How long the answered dialogs waited, in bars of 0–30 s, 30–60 s, 1–2, 2–5, 5–10 min and longer. */
    public Mono<List<WaitBar>> waitHistogram(ReportFilter filter) {
        return waitHistogram(filter, rollup.enabled());
    }

    Mono<List<WaitBar>> waitHistogram(ReportFilter filter, boolean rolledUp) {
        List<Long> edges = ReportQueries.WAIT_EDGES;
        return limited(queries.waitHistogram(filter, rolledUp)).collectMap(bar -> (int) bar[0], bar -> bar[1])
                .map(counts -> java.util.stream.IntStream.rangeClosed(0, edges.size())
                        .mapToObj(bar -> new WaitBar(bar == 0 ? 0L : edges.get(bar - 1),
                                bar < edges.size() ? edges.get(bar) : null, counts.getOrDefault(bar, 0L)))
                        .toList());
    }

    public Mono<ReportPage<DialogRow>> dialogs(ReportFilter filter, DialogFigure figure, int limit) {
        return page(dialogList(filter, figure, limit), limit);
    }

    /**
     * The dialogs behind a figure as they come from the database, one more than {@code limit} at most: each says
     * how many the query picked, so the first tells whether the list goes past {@code limit}.
     */
    Flux<ReportQueries.Listed<DialogRow>> dialogList(ReportFilter filter, DialogFigure figure, int limit) {
        return limited(queries.dialogRows(filter, figure, rows(limit) + 1));
    }

    public Flux<DeadlineFigures> deadlineFigures(ReportFilter filter) {
        return deadlineFigures(filter, rollup.enabled());
    }

    /** {@code rolledUp} false judges every day's deadlines now, as if nothing were rolled up. */
    Flux<DeadlineFigures> deadlineFigures(ReportFilter filter, boolean rolledUp) {
        return limited(queries.deadlineFigures(filter, workingTime(filter), clock.now(), rolledUp));
    }

    /** The rows behind a deadline figure: {@code rule} and {@code status} null for all. */
    public Mono<ReportPage<DeadlineRow>> deadlines(ReportFilter filter, String rule, String status, int limit) {
        return page(deadlineList(filter, rule, status, limit), limit);
    }

    /** The rows behind a deadline figure as they come, as {@link #dialogList}. */
    Flux<ReportQueries.Listed<DeadlineRow>> deadlineList(ReportFilter filter, String rule, String status, int limit) {
        if (rule != null && !RULES.contains(rule)) {
            throw new IllegalArgumentException("rule: one of " + RULES);
        }
        if (status != null && !STATUSES.contains(status)) {
            throw new IllegalArgumentException("status: one of " + STATUSES);
        }
        return limited(queries.deadlineRows(filter, workingTime(filter), clock.now(), rule, status,
                rows(limit) + 1));
    }

    public Flux<AgentFigures> agentFigures(ReportFilter filter) {
        return agentFigures(filter, rollup.enabled());
    }

    /** {@code rolledUp} false counts the whole period's holds and presence at once, as if nothing were rolled up. */
    Flux<AgentFigures> agentFigures(ReportFilter filter, boolean rolledUp) {
        return limited(queries.agentFigures(filter, clock.now(), rolledUp));
    }

    /** Offline forms received per site, of the sites whose line is in the filter's scope. */
    public Flux<OfflineFormCount> offlineForms(ReportFilter filter) {
        List<String> scope = filter.lines() == null ? null
                : sites.all()
                        .stream()
                        .filter(site -> filter.lines().contains(site.line()))
                        .map(Site::id)
                        .toList();
        return limited(queries.offlineForms(filter, scope));
    }

    /** The most rows one list may return. */
    /**
     * The deadlines that fell due in {@code since} to {@code until} and were missed, per rule and line; those
     * started up to {@code lookBack} before {@code until} are seen (a task due later than that after its creation
     * is not).
     */
    Flux<ReportQueries.Missed> missedBetween(Instant since, Instant until, Duration lookBack) {
        LocalDate to = until.atZone(properties.zone()).toLocalDate();
        Instant floor = until.minus(lookBack);
        LocalDate from = floor.atZone(properties.zone()).toLocalDate();
        ReportFilter filter = new ReportFilter(from, to, ReportFilter.Step.PERIOD, ReportFilter.GroupBy.LINE, null,
                null, null, null);
        // a dialog's due instant never falls earlier for a later close, so the closes whose deadline falls in the
        // window are one range of closes: only that range is read, not the whole look-back
        ReportQueries.Closes triage = new ReportQueries.Closes(firstTriageDueFrom(since, floor),
                firstTriageDueFrom(until, floor));
        ReportQueries.Closes classification = new ReportQueries.Closes(firstClassificationDueFrom(since, floor),
                firstClassificationDueFrom(until, floor));
        return limited(queries.missedBetween(filter, workingTime(filter), since, until, triage, classification));
    }

    /**
     * The earliest close whose triage falls due at or after {@code at}: {@code at} less the deadline when that is in
     * the dispatcher line's working hours (a close then is due the deadline later), else the end of the last working
     * interval before it (a close after that is due when the line next opens, which is after {@code at}).
     */
    Instant firstTriageDueFrom(Instant at, Instant floor) {
        Instant start = at.minus(triageDeadline);
        if (!start.isAfter(floor)) {
            return floor;
        }
        LocalDate day = start.atZone(properties.zone()).toLocalDate();
        Instant lastClose = floor;
        for (WorkingCalendar.Interval interval : calendar.workingIntervals(triageLine,
                floor.atZone(properties.zone()).toLocalDate(), day.plusDays(1))) {
            if (!interval.opens().isAfter(start) && interval.closes().isAfter(start)) {
                return start;
            }
            if (!interval.closes().isAfter(start) && interval.closes().isAfter(lastClose)) {
                lastClose = interval.closes();
            }
        }
        return lastClose;
    }

    /**
     * The earliest close whose classification falls due at or after {@code at}: a close on day x is due at the end
     * of the first working day after x; that end is at or after {@code at} when that working day is no earlier than
     * the day before the first midnight at or after {@code at}, so from the start of the last working day before it.
     */
    Instant firstClassificationDueFrom(Instant at, Instant floor) {
        ZoneId zone = properties.zone();
        java.time.ZonedDateTime local = at.atZone(zone);
        LocalDate firstMidnight = local.toLocalDate().atStartOfDay(zone).toInstant().equals(at) ? local.toLocalDate()
                : local.toLocalDate().plusDays(1);
        LocalDate earliestWorkingDay = firstMidnight.minusDays(1);
        LocalDate floorDay = floor.atZone(zone).toLocalDate();
        for (LocalDate day = earliestWorkingDay.minusDays(1); !day.isBefore(floorDay); day = day.minusDays(1)) {
            if (calendar.isWorkingDay(day)) {
                Instant start = day.atStartOfDay(zone).toInstant();
                return start.isAfter(floor) ? start : floor;
            }
        }
        return floor;
    }

    public int maxRows() {
        return properties.maxRows();
    }

    public int maxPeriodDays() {
        return properties.maxPeriodDays();
    }

    private <T> Mono<ReportPage<T>> page(Flux<ReportQueries.Listed<T>> rows, int limit) {
        return rows.map(ReportQueries.Listed::row)
                .collectList()
                .map(list -> list.size() > limit ? new ReportPage<>(List.copyOf(list.subList(0, limit)), true)
                        : new ReportPage<>(list, false));
    }

    private int rows(int limit) {
        if (limit < 1 || limit > properties.maxRows()) {
            throw new IllegalArgumentException("limit: 1 to " + properties.maxRows());
        }
        return limit;
    }

    /**
     * The database cancels a query past the timeout; this is the backstop should it not answer at all, still before
     * the request bound.
     */
    private <T> Flux<T> limited(Flux<T> query) {
        return query.timeout(queries.queryTimeout().plusSeconds(2))
                .onErrorMap(TimeoutException.class, ReportTimeoutException::new)
                .onErrorMap(ReportTimeoutException::cancelled, ReportTimeoutException::new);
    }

    /** The working time a period's deadlines are judged on: its days from the day before to 60 days after. */
    ReportQueries.WorkingTime workingTime(ReportFilter filter) {
        LocalDate from = filter.from().minusDays(1);
        LocalDate to = filter.to().plusDays(CALENDAR_BEYOND_DAYS);
        List<WorkingCalendar.Interval> intervals = calendar.workingIntervals(triageLine, from, to);
        String opens = intervals.stream()
                .map(interval -> interval.opens().toString())
                .collect(Collectors.joining(",", "{", "}"));
        String closes = intervals.stream()
                .map(interval -> interval.closes().toString())
                .collect(Collectors.joining(",", "{", "}"));
        String workingDays = from.datesUntil(to.plusDays(1))
                .filter(calendar::isWorkingDay)
                .map(LocalDate::toString)
                .collect(Collectors.joining(",", "{", "}"));
        List<String> mainSites = sites.all()
                .stream()
                .filter(site -> site.line().equals(triageLine))
                .map(Site::id)
                .toList();
        return new ReportQueries.WorkingTime(opens, closes, workingDays, mainSites, triageDeadline);
    }
}
