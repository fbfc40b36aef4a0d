package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.r2dbc.connection.SingleConnectionFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;

import ru.rosdistant.gateway.shared.PooledConnections;

/**
 * The report queries: every figure is aggregated in PostgreSQL; only the groups (or a bounded list of rows) come
 * back. They run on the reports' own pool ({@link ReportConnections}), each in a read-only transaction with a
 * {@code statement_timeout} ({@link #begin}), so a report can never write and one that would run too long is
 * cancelled by the database itself. Filters are added as fixed SQL fragments with bound values; no caller
 * text ever becomes SQL.
 */
@Component
class ReportQueries {

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    /** Repeatable read: a report over roll-ups reads the list of rolled-up days and their rows at one moment. */
    private final TransactionalOperator snapshotTx;

    private final ReportProperties properties;

    private final Duration queryTimeout;

    @Autowired
    ReportQueries(ReportConnections connections, ReportProperties properties,
            @Value("${gateway.web.request-timeout:15s}") Duration requestTimeout) {
        this(connections.db(), connections.tx(), connections.snapshotTx(), properties, requestTimeout);
    }

    ReportQueries(DatabaseClient db, TransactionalOperator tx, ReportProperties properties, Duration requestTimeout) {
        this(db, tx, tx, properties, requestTimeout);
    }

    ReportQueries(DatabaseClient db, TransactionalOperator tx, TransactionalOperator snapshotTx,
            ReportProperties properties, Duration requestTimeout) {
        this.db = db;
        this.tx = tx;
        this.snapshotTx = snapshotTx;
        this.properties = properties;
        this.queryTimeout = queryTimeout(properties.queryTimeout(), requestTimeout);
    }

    ReportQueries(DatabaseClient db, TransactionalOperator tx, ReportProperties properties) {
        this(db, tx, properties, Duration.ZERO);
    }

    /**
     * The report's own timeout, which must end a slow report before the bound of every request
     * ({@code gateway.web.request-timeout}) answers it with a bare 503: at most {@link #BEFORE_REQUEST_BOUND}
     * short of that bound, whatever {@code gateway.report.query-timeout} says (a bound of 0 is none).
     */
    static Duration queryTimeout(Duration configured, Duration requestBound) {
        if (requestBound.isZero() || requestBound.isNegative()) {
            return configured;
        }
        Duration latest = requestBound.minus(BEFORE_REQUEST_BOUND);
        return configured.compareTo(latest) > 0 ? latest : configured;
    }

    /** Room between the report's timeout and the request bound: the cancel, the backstop, the answer. */
    static final Duration BEFORE_REQUEST_BOUND = Duration.ofSeconds(3);

    /** How long a report query may run before PostgreSQL cancels it. */
    Duration queryTimeout() {
        return queryTimeout;
    }

    /** The working time the deadline queries measure in, prepared from the production calendar. */
    record WorkingTime(String triageWindowOpens, String triageWindowCloses, String workingDays, List<String> mainSites,
            Duration triageDeadline) {
    }

    private static String key(ReportFilter.GroupBy by, String line, String agent, String site, String channel,
            String agentName) {
        return switch (by) {
            case ALL -> "'all', 'all'";
            case LINE -> line + ", " + line;
            case AGENT -> "coalesce(" + agent + "::text, ''), coalesce(" + agentName + ", '')";
            case SITE -> site + ", " + site;
            case CHANNEL -> channel + ", " + channel;
            case SITE_CHANNEL -> site + " || '/' || " + channel + ", " + site + " || '/' || " + channel;
        };
    }

    private static String bucket(ReportFilter.Step step, String at) {
        return switch (step) {
            case DAY -> "(" + at + " AT TIME ZONE :zone)::date";
            case WEEK -> "date_trunc('week', " + at + " AT TIME ZONE :zone)::date";
            case MONTH -> "date_trunc('month', " + at + " AT TIME ZONE :zone)::date";
            case PERIOD -> "CAST(:fromDay AS date)";
        };
    }

    /** The upper bounds, in seconds, of the wait histogram's bars; the last bar has none. */
    static final List<Long> WAIT_EDGES = List.of(30L, 60L, 120L, 300L, 600L);

    /** The columns of a day's partial figures, in the order of {@code report_dialog_day} after its zone (V61). */
    static final String PART_COLUMNS = """
            day, offered_line_id, site_id, channel, first_agent_id, offered, answered, abandoned, missed, out_of_hours,
            waiting, wait_max, first_response_max, handle_n, handle_sum, messages_n, messages_sum, rated, rating_sum,
            rating1, rating2, rating3, rating4, rating5, rating_comments, consultations, service_requests, complaints,
            change_requests, to_marketing_director, to_head_of_student_affairs, wait_bar0, wait_bar1, wait_bar2,
            wait_bar3, wait_bar4, wait_bar5, waits, first_responses, handles""";

    /**
     * The partial figures of the dialogs {@code where} selects (over {@code dialog d}), one row per day of joining the
     * line (in {@code :zone}), offered line, site, channel and first agent: counts, exact sums, maxima, the bars of
     * the wait histogram and the arrays of the times whose percentiles are asked. The one computation behind the
     * dialog figures: the roll-up job stores it per whole past day ({@code report_dialog_day}), a report runs it on
     * the days not rolled up, and both are merged alike ({@link #dialogFigures}), so the two give the same figures.
     */
    static String partials(String where) {
        String edges = WAIT_EDGES.stream().map(String::valueOf).collect(Collectors.joining(",", "'{", "}'"));
        return """
                SELECT (d.queued_at AT TIME ZONE :zone)::date AS day, d.offered_line_id, d.site_id, d.channel,
                       d.first_agent_id,
                       count(*) AS offered,
                       count(*) FILTER (WHERE x.outcome = 'ANSWERED') AS answered,
                       count(*) FILTER (WHERE x.outcome = 'ABANDONED') AS abandoned,
                       count(*) FILTER (WHERE x.outcome = 'MISSED') AS missed,
                       count(*) FILTER (WHERE x.outcome = 'OUT_OF_HOURS') AS out_of_hours,
                       count(*) FILTER (WHERE x.outcome = 'WAITING') AS waiting,
                       max(x.wait_s) AS wait_max,
                       max(x.first_response_s) AS first_response_max,
                       count(x.handle_exact) AS handle_n,
                       coalesce(sum(x.handle_exact), 0)::numeric AS handle_sum,
                       count(*) FILTER (WHERE x.outcome = 'ANSWERED') AS messages_n,
                       coalesce(sum(d.message_count) FILTER (WHERE x.outcome = 'ANSWERED'), 0)::numeric AS messages_sum,
                       count(d.rating) AS rated,
                       coalesce(sum(d.rating), 0)::numeric AS rating_sum,
                       count(*) FILTER (WHERE d.rating = 1) AS rating1,
                       count(*) FILTER (WHERE d.rating = 2) AS rating2,
                       count(*) FILTER (WHERE d.rating = 3) AS rating3,
                       count(*) FILTER (WHERE d.rating = 4) AS rating4,
                       count(*) FILTER (WHERE d.rating = 5) AS rating5,
                       count(d.rating_comment) AS rating_comments,
                       count(*) FILTER (WHERE d.appeal_type = 'CONSULTATION') AS consultations,
                       count(*) FILTER (WHERE d.appeal_type = 'SERVICE_REQUEST') AS service_requests,
                       count(*) FILTER (WHERE d.appeal_type = 'COMPLAINT') AS complaints,
                       count(*) FILTER (WHERE d.appeal_type = 'CHANGE_REQUEST') AS change_requests,
                       count(*) FILTER (WHERE t.addressee = 'MARKETING_DIRECTOR') AS to_marketing_director,
                       count(*) FILTER (WHERE t.addressee = 'HEAD_OF_STUDENT_AFFAIRS') AS to_head_of_student_affairs,
                       count(*) FILTER (WHERE x.wait_bar = 0) AS wait_bar0,
                       count(*) FILTER (WHERE x.wait_bar = 1) AS wait_bar1,
                       count(*) FILTER (WHERE x.wait_bar = 2) AS wait_bar2,
                       count(*) FILTER (WHERE x.wait_bar = 3) AS wait_bar3,
                       count(*) FILTER (WHERE x.wait_bar = 4) AS wait_bar4,
                       count(*) FILTER (WHERE x.wait_bar = 5) AS wait_bar5,
                       array_agg(x.wait_s) FILTER (WHERE x.wait_s IS NOT NULL) AS waits,
                       array_agg(x.first_response_s) FILTER (WHERE x.first_response_s IS NOT NULL) AS first_responses,
                       array_agg(x.handle_s) FILTER (WHERE x.handle_s IS NOT NULL) AS handles
                FROM dialog d
                LEFT JOIN task t ON t.dialog_id = d.id AND t.kind = 'COMPLAINT_ANSWER'
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN d.first_assigned_at IS NOT NULL THEN 'ANSWERED'
                                WHEN d.offline_reason = 'hours' THEN 'OUT_OF_HOURS'
                                WHEN d.offline_reason IS NOT NULL THEN 'MISSED'
                                WHEN d.closed_at IS NOT NULL THEN 'ABANDONED'
                                ELSE 'WAITING' END AS outcome,
                           extract(epoch FROM d.first_assigned_at - d.queued_at)::float8 AS wait_s,
                           extract(epoch FROM d.first_reply_at - d.queued_at)::float8 AS first_response_s,
                           extract(epoch FROM d.closed_at - d.first_assigned_at)::float8 AS handle_s,
                           extract(epoch FROM d.closed_at - d.first_assigned_at) AS handle_exact,
                           width_bucket(extract(epoch FROM d.first_assigned_at - d.queued_at)::float8,
                                        CAST(%s AS float8[])) AS wait_bar
                ) x
                WHERE %s
                GROUP BY 1, 2, 3, 4, 5""".formatted(edges, where);
    }

    /** {@link #PART_COLUMNS}, each prefixed (with a table alias and its dot). */
    static String partColumns(String prefix) {
        return columns(PART_COLUMNS, prefix);
    }

    private static String columns(String list, String prefix) {
        return java.util.Arrays.stream(list.split(","))
                .map(String::strip)
                .map(column -> prefix + column)
                .collect(Collectors.joining(", "));
    }

    /**
     * Every offered line of the dialogs that joined one, found by skipping through
     * {@code dialog (offered_line_id, queued_at)} (one probe per line): a condition
     * {@code d.offered_line_id = ANY(...)} with it lets a range of {@code queued_at} be read through that index when no
     * line is asked for, instead of every dialog.
     */
    static final String ALL_OFFERED_LINES = """
            ARRAY(WITH RECURSIVE lines AS (
                      SELECT (SELECT min(o.offered_line_id) FROM dialog o WHERE o.queued_at IS NOT NULL) AS l
                      UNION ALL
                      SELECT (SELECT min(o.offered_line_id) FROM dialog o
                              WHERE o.queued_at IS NOT NULL AND o.offered_line_id > lines.l)
                      FROM lines
                      WHERE lines.l IS NOT NULL)
                  SELECT l FROM lines WHERE l IS NOT NULL)""";

    /** The filter's narrowing conditions on the columns of a partial (alias {@code p}: dialog or roll-up row). */
    private static String dimensions(ReportFilter filter, Map<String, Object> binds, String p) {
        StringBuilder where = new StringBuilder();
        if (filter.lines() != null) {
            where.append(" AND ").append(p).append(".offered_line_id = ANY(:lines)");
            binds.put("lines", filter.lines().toArray(String[]::new));
        }
        if (filter.siteId() != null) {
            where.append(" AND ").append(p).append(".site_id = :site");
            binds.put("site", filter.siteId());
        }
        if (filter.channel() != null) {
            where.append(" AND ").append(p).append(".channel = :channel");
            binds.put("channel", filter.channel());
        }
        if (filter.agentId() != null) {
            where.append(" AND ").append(p).append(".first_agent_id = :agent");
            binds.put("agent", filter.agentId());
        }
        return where.toString();
    }

    /**
     * The partial figures of the period: the rolled-up rows of the days in {@code rolled}, and the dialogs of the
     * other days counted now (one range of queued_at from the first such day to the last, without the rolled days
     * inside it).
     */
    private String parts(ReportFilter filter, Map<String, Object> binds, List<LocalDate> rolled) {
        ZoneId zone = properties.zone();
        List<String> branches = new java.util.ArrayList<>();
        if (!rolled.isEmpty()) {
            binds.put("rolled", rolled.stream().map(LocalDate::toString).toArray(String[]::new));
            branches.add("SELECT " + partColumns("r.")
                    + " FROM report_dialog_day r WHERE r.zone = :zone AND r.day = ANY(CAST(:rolled AS date[]))"
                    + dimensions(filter, binds, "r"));
        }
        java.util.Set<LocalDate> done = new java.util.HashSet<>(rolled);
        List<LocalDate> live = filter.from().datesUntil(filter.to().plusDays(1)).filter(day -> !done.contains(day))
                .toList();
        if (!live.isEmpty()) {
            LocalDate first = live.get(0);
            LocalDate last = live.get(live.size() - 1);
            binds.put("liveFrom", first.atStartOfDay(zone).toOffsetDateTime());
            binds.put("liveTo", last.plusDays(1).atStartOfDay(zone).toOffsetDateTime());
            String where = "d.queued_at >= :liveFrom AND d.queued_at < :liveTo" + dimensions(filter, binds, "d");
            if (filter.lines() == null) {
                where += " AND d.offered_line_id = ANY(" + ALL_OFFERED_LINES + ")";
            }
            List<LocalDate> inside = rolled.stream().filter(day -> day.isAfter(first) && day.isBefore(last)).toList();
            if (!inside.isEmpty()) {
                where += " AND (d.queued_at AT TIME ZONE :zone)::date <> ALL(CAST(:rolledInside AS date[]))";
                binds.put("rolledInside", inside.stream().map(LocalDate::toString).toArray(String[]::new));
            }
            branches.add(partials(where));
        }
        return String.join("\nUNION ALL\n", branches);
    }

    private static String keyAs(ReportFilter.GroupBy by) {
        return switch (by) {
            case ALL -> "'all' AS key, 'all' AS label";
            case LINE -> "p.offered_line_id AS key, p.offered_line_id AS label";
            case AGENT -> "coalesce(p.first_agent_id::text, '') AS key, coalesce(a.display_name, '') AS label";
            case SITE -> "p.site_id AS key, p.site_id AS label";
            case CHANNEL -> "p.channel AS key, p.channel AS label";
            case SITE_CHANNEL -> "p.site_id || '/' || p.channel AS key, p.site_id || '/' || p.channel AS label";
        };
    }

    private static String dayBucket(ReportFilter.Step step, String day) {
        return switch (step) {
            case DAY -> day;
            case WEEK -> "date_trunc('week', " + day + "::timestamp)::date";
            case MONTH -> "date_trunc('month', " + day + "::timestamp)::date";
            case PERIOD -> "CAST(:fromDay AS date)";
        };
    }

    /**
     * The dialog figures per group and bucket, merged from the period's partials ({@link #partials}): the rolled-up
     * whole days, and the days not rolled up (today, a day with a dialog still open, a day changed since) counted
     * from their dialogs. {@code rolledUp} false counts every day from its dialogs. Counts and sums add up, maxima
     * take the larger, averages divide exact sums, and the percentiles ({@code percentile_cont}) run over the
     * merged arrays of every dialog's time: the same figures either way.
     */
    Flux<DialogFigures> dialogFigures(ReportFilter filter, boolean rolledUp) {
        return withRollups(filter, rolledUp, "", period(filter), (rolled, binds) -> {
            binds.put("maxRows", properties.maxRows());
            return "WITH parts AS (" + parts(filter, binds, rolled) + "), " + """
                    g AS (
                        SELECT %s, %s AS bucket, p.*
                        FROM parts p
                        LEFT JOIN agent a ON a.id = p.first_agent_id
                    ),
                    sums AS (
                        SELECT key, label, bucket,
                               sum(offered) AS offered, sum(answered) AS answered, sum(abandoned) AS abandoned,
                               sum(missed) AS missed, sum(out_of_hours) AS out_of_hours, sum(waiting) AS waiting,
                               max(wait_max) AS wait_max, max(first_response_max) AS first_response_max,
                               (sum(handle_sum) / nullif(sum(handle_n), 0))::float8 AS handle_avg,
                               (sum(messages_sum) / nullif(sum(messages_n), 0))::float8 AS messages_avg,
                               sum(rated) AS rated,
                               (sum(rating_sum) / nullif(sum(rated), 0))::float8 AS rating_avg,
                               sum(rating1) AS rating1, sum(rating2) AS rating2, sum(rating3) AS rating3,
                               sum(rating4) AS rating4, sum(rating5) AS rating5,
                               sum(rating_comments) AS rating_comments, sum(consultations) AS consultations,
                               sum(service_requests) AS service_requests, sum(complaints) AS complaints,
                               sum(change_requests) AS change_requests,
                               sum(to_marketing_director) AS complaints_to_marketing_director,
                               sum(to_head_of_student_affairs) AS complaints_to_head_of_student_affairs
                        FROM g
                        GROUP BY 1, 2, 3
                    ),
                    pct AS (
                        SELECT o.key, o.label, o.bucket,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY v.w) AS wait_p50,
                               percentile_cont(0.9) WITHIN GROUP (ORDER BY v.w) AS wait_p90,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY v.f) AS first_response_p50,
                               percentile_cont(0.9) WITHIN GROUP (ORDER BY v.f) AS first_response_p90,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY v.h) AS handle_p50
                        FROM (SELECT key, label, bucket, waits, first_responses, handles FROM g ORDER BY 1, 2, 3) o
                        CROSS JOIN LATERAL unnest(o.waits, o.first_responses, o.handles) AS v(w, f, h)
                        GROUP BY 1, 2, 3
                    )
                    SELECT s.key, s.label, s.bucket, s.offered, s.answered, s.abandoned, s.missed, s.out_of_hours,
                           s.waiting, p.wait_p50, p.wait_p90, s.wait_max, p.first_response_p50, p.first_response_p90,
                           s.first_response_max, p.handle_p50, s.handle_avg, s.messages_avg, s.rated, s.rating_avg,
                           s.rating1, s.rating2, s.rating3, s.rating4, s.rating5, s.rating_comments, s.consultations,
                           s.service_requests, s.complaints, s.change_requests, s.complaints_to_marketing_director,
                           s.complaints_to_head_of_student_affairs
                    FROM sums s
                    LEFT JOIN pct p ON p.key = s.key AND p.label = s.label AND p.bucket = s.bucket
                    ORDER BY s.bucket, s.key
                    LIMIT :maxRows""".formatted(keyAs(filter.by()), dayBucket(filter.step(), "p.day"));
        }, ReportQueries::dialogFigures);
    }

    /** How many answered dialogs waited how long: one count per bar of {@link #WAIT_EDGES}, and one past the last. */
    Flux<long[]> waitHistogram(ReportFilter filter, boolean rolledUp) {
        return withRollups(filter, rolledUp, "", period(filter), (rolled, binds) -> "WITH parts AS (" + parts(filter, binds, rolled)
                + "), " + """
                s AS (
                    SELECT sum(wait_bar0) AS b0, sum(wait_bar1) AS b1, sum(wait_bar2) AS b2, sum(wait_bar3) AS b3,
                           sum(wait_bar4) AS b4, sum(wait_bar5) AS b5
                    FROM parts
                )
                SELECT b.bar, coalesce(b.dialogs, 0) AS dialogs
                FROM s
                CROSS JOIN LATERAL (VALUES (0, s.b0), (1, s.b1), (2, s.b2), (3, s.b3), (4, s.b4), (5, s.b5))
                    AS b(bar, dialogs)
                ORDER BY 1""", row -> new long[] {count(row, "bar"), count(row, "dialogs")});
    }

    /**
     * Runs a report over the period's partials: first reads which of its days are rolled up (none when
     * {@code rolledUp} is false; {@code condition} narrows the days further, over {@code report_day}), then the
     * statement {@code sql} builds for them, both in one repeatable-read transaction, so that the list of days and
     * the rolled-up rows are of the same moment.
     */
    private <T> Flux<T> withRollups(ReportFilter filter, boolean rolledUp, String condition,
            Map<String, Object> binds, java.util.function.BiFunction<List<LocalDate>, Map<String, Object>, String> sql,
            Function<Readable, T> mapper) {
        binds.put("toDay", filter.to());
        Flux<LocalDate> days = rolledUp ? statement("""
                        SELECT day FROM report_day
                        WHERE zone = :zone AND day >= :fromDay AND day <= :toDay%s
                        ORDER BY day""".formatted(condition), binds)
                .map(row -> row.get("day", LocalDate.class))
                .all() : Flux.empty();
        return begin(db)
                .thenMany(days.collectList())
                .concatMap(rolled -> {
                    String text = sql.apply(rolled, binds);
                    return statement(text, binds).map(mapper::apply).all();
                })
                .as(snapshotTx::transactional);
    }

    /**
     * A row of a list and how many rows its query picked (at most its limit): the first row says already whether
     * the list reached its limit, so that a CSV can say so in its headers before its rows stream.
     */
    record Listed<T>(T row, long picked) {
    }

    /** The dialogs behind a figure, oldest first; {@code limit} rows at most. */
    Flux<Listed<DialogRow>> dialogRows(ReportFilter filter, DialogFigure figure, int limit) {
        Map<String, Object> binds = period(filter);
        binds.put("limit", limit);
        // the first rows of each line in the order of dialog (offered_line_id, queued_at), merged: an index scan of
        // each line that stops at the limit, instead of every dialog of the period sorted (the lines of all the
        // dialogs are found by skipping through that index, one probe per line)
        String lines;
        if (filter.lines() != null) {
            lines = "lines AS (SELECT DISTINCT l FROM unnest(CAST(:lines AS text[])) l)";
            binds.put("lines", filter.lines().toArray(String[]::new));
        }
        else {
            lines = """
                    lines AS (
                        SELECT (SELECT min(d.offered_line_id) FROM dialog d WHERE d.queued_at IS NOT NULL) AS l
                        UNION ALL
                        SELECT (SELECT min(d.offered_line_id) FROM dialog d
                                WHERE d.queued_at IS NOT NULL AND d.offered_line_id > lines.l)
                        FROM lines
                        WHERE lines.l IS NOT NULL
                    )""";
        }
        StringBuilder where = new StringBuilder("d.offered_line_id = lines.l AND d.queued_at >= :from AND d.queued_at < :to");
        if (filter.siteId() != null) {
            where.append(" AND d.site_id = :site");
            binds.put("site", filter.siteId());
        }
        if (filter.channel() != null) {
            where.append(" AND d.channel = :channel");
            binds.put("channel", filter.channel());
        }
        if (filter.agentId() != null) {
            where.append(" AND d.first_agent_id = :agent");
            binds.put("agent", filter.agentId());
        }
        String sql = "WITH RECURSIVE " + lines + ", " + """
                picked AS (
                    SELECT x.*
                    FROM lines
                    CROSS JOIN LATERAL (
                        SELECT *
                        FROM (SELECT d.id, d.offered_line_id, d.line_id, d.site_id, d.channel, d.queued_at,
                                     d.closed_at, d.rating, d.rating_comment, d.appeal_type, d.request_number,
                                     d.first_assigned_at, d.first_agent_id, d.first_reply_at,
                                     d.message_count AS messages,
                                     CASE WHEN d.first_assigned_at IS NOT NULL THEN 'ANSWERED'
                                          WHEN d.offline_reason = 'hours' THEN 'OUT_OF_HOURS'
                                          WHEN d.offline_reason IS NOT NULL THEN 'MISSED'
                                          WHEN d.closed_at IS NOT NULL THEN 'ABANDONED'
                                          ELSE 'WAITING' END AS outcome
                              FROM dialog d
                              WHERE %s) q
                        WHERE %s
                        ORDER BY q.queued_at, q.id
                        LIMIT :limit) x
                    WHERE lines.l IS NOT NULL
                    ORDER BY x.queued_at, x.id
                    LIMIT :limit
                )
                SELECT p.id, p.offered_line_id, p.line_id, p.site_id, p.channel, a.display_name AS agent_name,
                       p.outcome, %s, %s, %s, %s,
                       extract(epoch FROM p.first_assigned_at - p.queued_at)::float8 AS wait_s,
                       extract(epoch FROM p.first_reply_at - p.queued_at)::float8 AS first_response_s,
                       extract(epoch FROM p.closed_at - p.first_assigned_at)::float8 AS handle_s,
                       p.messages, p.rating, p.rating_comment, p.appeal_type, p.request_number, t.addressee,
                       count(*) OVER () AS picked_rows
                FROM picked p
                LEFT JOIN task t ON t.dialog_id = p.id AND t.kind = 'COMPLAINT_ANSWER'
                LEFT JOIN agent a ON a.id = p.first_agent_id
                ORDER BY p.queued_at, p.id""".formatted(where, figure.condition(), micros("p.queued_at"),
                micros("p.first_assigned_at"), micros("p.first_reply_at"), micros("p.closed_at"));
        return list(sql, binds, ReportQueries::dialogRow);
    }

    /**
     * The regulation's deadlines, one row per dialog or task they apply to: its due instant, when it was done,
     * and whether the deadline was kept, missed, or is still running at {@code now}.
     */
    private static String deadlines(ReportFilter filter, Map<String, Object> binds, WorkingTime time) {
        return deadlines(filter, binds, time, false);
    }

    /**
     * {@code closes}: the dialog rules read only the closes bound as {@code :triageFrom}…{@code :triageTo} and
     * {@code :classificationFrom}…{@code :classificationTo} (the missed-deadline count's window).
     */
    private static String deadlines(ReportFilter filter, Map<String, Object> binds, WorkingTime time,
            boolean closes) {
        binds.put("opens", time.triageWindowOpens());
        binds.put("closes", time.triageWindowCloses());
        binds.put("workdays", time.workingDays());
        binds.put("mainSites", time.mainSites().toArray(String[]::new));
        binds.put("triage", time.triageDeadline().toSeconds() + " seconds");
        String triage = "";
        String classification = "";
        String task = "";
        if (filter.lines() != null) {
            triage += " AND d.offered_line_id = ANY(:lines)";
            classification += " AND d.line_id = ANY(:lines)";
            task += " AND t.line_id = ANY(:lines)";
            binds.put("lines", filter.lines().toArray(String[]::new));
        }
        if (filter.siteId() != null) {
            triage += " AND d.site_id = :site";
            classification += " AND d.site_id = :site";
            task += " AND d.site_id = :site";
            binds.put("site", filter.siteId());
        }
        if (filter.channel() != null) {
            triage += " AND d.channel = :channel";
            classification += " AND d.channel = :channel";
            task += " AND d.channel = :channel";
            binds.put("channel", filter.channel());
        }
        if (filter.agentId() != null) {
            triage += " AND d.agent_id = :agent";
            classification += " AND d.agent_id = :agent";
            task += " AND t.owner_agent_id = :agent";
            binds.put("agent", filter.agentId());
        }
        if (closes) {
            triage += " AND d.closed_at >= :triageFrom AND d.closed_at < :triageTo";
            classification += " AND d.closed_at >= :classificationFrom AND d.closed_at < :classificationTo";
        }
        return """
                cal AS (
                    SELECT ARRAY(SELECT w.opens
                                 FROM unnest(CAST(:opens AS timestamptz[]), CAST(:closes AS timestamptz[]))
                                      AS w(opens, closes)
                                 ORDER BY w.closes) AS opens,
                           ARRAY(SELECT c FROM unnest(CAST(:closes AS timestamptz[])) c ORDER BY c) AS closes,
                           ARRAY(SELECT wd FROM unnest(CAST(:workdays AS date[])) wd ORDER BY wd) AS workdays
                ),
                rules AS (
                    SELECT 'TRIAGE' AS rule, d.id AS dialog_id, NULL::uuid AS task_id, d.offered_line_id AS line_id,
                           d.site_id, d.channel, d.agent_id, d.closed_at AS started,
                           CASE WHEN width_bucket(d.closed_at, cal.closes) < cardinality(cal.closes)
                                THEN greatest(d.closed_at, cal.opens[width_bucket(d.closed_at, cal.closes) + 1])
                                    + CAST(:triage AS interval) END AS due,
                           d.triaged_at AS done_at, 0 AS escalations
                    FROM dialog d
                    CROSS JOIN cal
                    WHERE d.state = 'CLOSED' AND d.site_id = ANY(:mainSites) AND d.queued_at IS NOT NULL
                      AND d.closed_at >= :from AND d.closed_at < :to%s
                    UNION ALL
                    SELECT 'CLASSIFICATION', d.id, NULL::uuid, d.line_id, d.site_id, d.channel, d.agent_id, d.closed_at,
                           (cal.workdays[width_bucket((d.closed_at AT TIME ZONE :zone)::date, cal.workdays) + 1] + 1)
                               ::timestamp AT TIME ZONE :zone,
                           d.classified_at, 0
                    FROM dialog d
                    CROSS JOIN cal
                    WHERE d.state = 'CLOSED' AND d.agent_id IS NOT NULL AND d.triage IS DISTINCT FROM 'SPAM'
                      AND d.closed_at >= :from AND d.closed_at < :to%s
                    UNION ALL
                    SELECT 'TASK', t.dialog_id, t.id, t.line_id, d.site_id, d.channel, t.owner_agent_id, t.created_at,
                           (coalesce(h.new_due, t.due) + 1)::timestamp AT TIME ZONE :zone,
                           t.completed_at, t.escalations
                    FROM task t
                    LEFT JOIN dialog d ON d.id = t.dialog_id
                    LEFT JOIN LATERAL (
                        SELECT th.new_due
                        FROM task_history th
                        WHERE th.task_id = t.id AND th.event = 'CREATED'
                        ORDER BY th.id
                        LIMIT 1) h ON true
                    -- a «Снова обращается» notice is no regulated deadline (4.3.2c-d count only results and answers)
                    WHERE t.created_at >= :from AND t.created_at < :to AND t.kind <> 'PERSON_WROTE_AGAIN'%s
                ),
                judged AS (
                    SELECT r.*, a.display_name AS agent_name,
                           CASE WHEN r.done_at IS NOT NULL AND r.done_at <= r.due THEN 'KEPT'
                                WHEN r.done_at IS NOT NULL OR r.due < :now THEN 'MISSED'
                                ELSE 'PENDING' END AS status
                    FROM rules r
                    LEFT JOIN agent a ON a.id = r.agent_id
                )""".formatted(triage, classification, task);
    }

    /** The columns of a day's partial deadline figures, in the order of {@code report_deadline_day} after its zone. */
    static final String DEADLINE_PART_COLUMNS = """
            day, rule, line_id, site_id, channel, agent_id, total, kept, missed, pending, escalations, undone_due""";

    /**
     * The partial deadline figures of {@code judged} ({@link #deadlines}) rows {@code where} selects, one row per day
     * started (in {@code :zone}), rule, line, site, channel and agent, with the latest due instant of those not done
     * (whether they are missed or pending depends on the clock). The one computation behind the deadline figures, as
     * {@link #partials} is for the dialog figures.
     */
    static String deadlinePartials(String where) {
        return """
                SELECT (j.started AT TIME ZONE :zone)::date AS day, j.rule, j.line_id, j.site_id, j.channel, j.agent_id,
                       count(*) AS total,
                       count(*) FILTER (WHERE j.status = 'KEPT') AS kept,
                       count(*) FILTER (WHERE j.status = 'MISSED') AS missed,
                       count(*) FILTER (WHERE j.status = 'PENDING') AS pending,
                       coalesce(sum(j.escalations), 0)::bigint AS escalations,
                       max(j.due) FILTER (WHERE j.done_at IS NULL) AS undone_due
                FROM judged j
                WHERE %s
                GROUP BY 1, 2, 3, 4, 5, 6""".formatted(where);
    }

    /**
     * The deadline figures per rule, group and bucket, merged from the period's partials as the dialog figures are:
     * the rolled-up days whose every deadline not done had fallen due both when they were rolled up and by
     * {@code now} (so missed either way), and the other days judged now.
     */
    Flux<DeadlineFigures> deadlineFigures(ReportFilter filter, WorkingTime time, Instant now, boolean rolledUp) {
        Map<String, Object> binds = period(filter);
        binds.put("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
        String settled = " AND (deadlines_settled_at IS NULL OR (deadlines_settled_at < rolled_at"
                + " AND deadlines_settled_at < :now))";
        return withRollups(filter, rolledUp, settled, binds, (rolled, all) -> {
            ZoneId zone = properties.zone();
            List<String> branches = new java.util.ArrayList<>();
            String with = "";
            if (!rolled.isEmpty()) {
                all.put("rolled", rolled.stream().map(LocalDate::toString).toArray(String[]::new));
                StringBuilder where = new StringBuilder(
                        "r.zone = :zone AND r.day = ANY(CAST(:rolled AS date[]))");
                if (filter.lines() != null) {
                    where.append(" AND r.line_id = ANY(:lines)");
                    all.put("lines", filter.lines().toArray(String[]::new));
                }
                if (filter.siteId() != null) {
                    where.append(" AND r.site_id = :site");
                    all.put("site", filter.siteId());
                }
                if (filter.channel() != null) {
                    where.append(" AND r.channel = :channel");
                    all.put("channel", filter.channel());
                }
                if (filter.agentId() != null) {
                    where.append(" AND r.agent_id = :agent");
                    all.put("agent", filter.agentId());
                }
                branches.add("SELECT " + columns(DEADLINE_PART_COLUMNS, "r.") + " FROM report_deadline_day r WHERE "
                        + where);
            }
            java.util.Set<LocalDate> done = new java.util.HashSet<>(rolled);
            List<LocalDate> live = filter.from().datesUntil(filter.to().plusDays(1))
                    .filter(day -> !done.contains(day))
                    .toList();
            if (!live.isEmpty()) {
                LocalDate first = live.get(0);
                LocalDate last = live.get(live.size() - 1);
                with = deadlines(filter, all, time) + ",\n";
                // the rules read the closes and tasks of the days judged now only
                all.put("from", first.atStartOfDay(zone).toOffsetDateTime());
                all.put("to", last.plusDays(1).atStartOfDay(zone).toOffsetDateTime());
                String where = "true";
                List<LocalDate> inside = rolled.stream().filter(day -> day.isAfter(first) && day.isBefore(last))
                        .toList();
                if (!inside.isEmpty()) {
                    where = "(j.started AT TIME ZONE :zone)::date <> ALL(CAST(:rolledInside AS date[]))";
                    all.put("rolledInside", inside.stream().map(LocalDate::toString).toArray(String[]::new));
                }
                branches.add(deadlinePartials(where));
            }
            all.put("maxRows", properties.maxRows());
            return "WITH " + with + "parts AS (" + String.join("\nUNION ALL\n", branches) + "), " + """
                    g AS (
                        SELECT p.*, a.display_name AS agent_name
                        FROM parts p
                        LEFT JOIN agent a ON a.id = p.agent_id
                    )
                    SELECT rule, %s, %s AS bucket,
                           sum(total) AS total, sum(kept) AS kept, sum(missed) AS missed, sum(pending) AS pending,
                           coalesce(sum(escalations), 0) AS escalations
                    FROM g
                    GROUP BY 1, 2, 3, 4
                    ORDER BY 4, 1, 2
                    LIMIT :maxRows""".formatted(
                    key(filter.by(), "line_id", "agent_id", "site_id", "coalesce(channel, '')", "agent_name"),
                    dayBucket(filter.step(), "day"));
        }, ReportQueries::deadlineFigures);
    }

    /**
     * Writes one day's roll-ups (both kinds) and marks the day rolled up: the caller holds the day's locks and has
     * seen that all its dialogs are closed, in the same transaction. {@code time} is the working time around the
     * day, {@code calendar} its digest, {@code now} the clock the deadlines are judged by.
     */
    Mono<Void> writeDay(DatabaseClient db, LocalDate day, WorkingTime time, String calendar, Instant now) {
        ZoneId zone = properties.zone();
        ReportFilter one = new ReportFilter(day, day, ReportFilter.Step.DAY, ReportFilter.GroupBy.LINE, null, null,
                null, null);
        Map<String, Object> binds = period(one);
        binds.put("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
        binds.put("calendar", calendar);
        binds.put("day", day);
        agentSpan(binds, day, day);
        String deadlines = "WITH " + deadlines(one, binds, time) + "\nINSERT INTO report_deadline_day (zone, "
                + columns(DEADLINE_PART_COLUMNS, "") + ") SELECT CAST(:zone AS text), "
                + columns(DEADLINE_PART_COLUMNS, "p.") + " FROM (" + deadlinePartials("true") + ") p";
        return statement(db, "DELETE FROM report_dialog_day WHERE zone = :zone AND day = :day", binds).then()
                .then(statement(db, "INSERT INTO report_dialog_day (zone, " + partColumns("") + ") SELECT CAST(:zone AS text), "
                        + partColumns("p.") + " FROM (" + partials("d.queued_at >= :from AND d.queued_at < :to AND d.offered_line_id = ANY("
                        + ALL_OFFERED_LINES + ")")
                        + ") p", binds).then())
                .then(statement(db, "DELETE FROM report_deadline_day WHERE zone = :zone AND day = :day", binds).then())
                .then(statement(db, deadlines, binds).then())
                .then(statement(db, "DELETE FROM report_agent_day WHERE zone = :zone AND day = :day", binds).then())
                .then(statement(db, "WITH " + agentPartials() + "\nINSERT INTO report_agent_day (zone, "
                        + columns(AGENT_PART_COLUMNS, "") + ") SELECT CAST(:zone AS text), "
                        + columns(AGENT_PART_COLUMNS, "") + " FROM agent_part", binds).then())
                .then(statement(db, """
                        INSERT INTO report_day (zone, day, starts_at, ends_at, rolled_at, deadlines_settled_at, calendar)
                        VALUES (:zone, :day, :from, :to, :now,
                                (SELECT max(r.undone_due) FROM report_deadline_day r
                                 WHERE r.zone = :zone AND r.day = :day),
                                :calendar)
                        ON CONFLICT (zone, day) DO UPDATE
                            SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
                                rolled_at = EXCLUDED.rolled_at, deadlines_settled_at = EXCLUDED.deadlines_settled_at,
                                calendar = EXCLUDED.calendar""", binds).then());
    }

    /** The dialogs and tasks behind a deadline figure; {@code status} null for all of them. */
    Flux<Listed<DeadlineRow>> deadlineRows(ReportFilter filter, WorkingTime time, Instant now, String rule, String status,
            int limit) {
        Map<String, Object> binds = period(filter);
        binds.put("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
        binds.put("limit", limit);
        StringBuilder where = new StringBuilder("true");
        if (rule != null) {
            where.append(" AND rule = :rule");
            binds.put("rule", rule);
        }
        if (status != null) {
            where.append(" AND status = :status");
            binds.put("status", status);
        }
        String sql = "WITH " + deadlines(filter, binds, time) + """
                SELECT q.*, count(*) OVER () AS picked_rows
                FROM (SELECT rule, dialog_id, task_id, line_id, site_id, channel, agent_name, started, due, done_at,
                             status, escalations
                      FROM judged
                      WHERE %s
                      ORDER BY started, rule, dialog_id
                      LIMIT :limit) q
                ORDER BY q.started, q.rule, q.dialog_id""".formatted(where);
        return list(sql, binds, ReportQueries::deadlineRow);
    }

    /** The closes a rule reads: {@code from} included, {@code to} not. */
    record Closes(Instant from, Instant to) {
    }

    /** Deadlines of one rule and line that fell due in a window without being done by then. */
    record Missed(String rule, String line, long count) {
    }

    /**
     * The deadlines that fell due in {@code since} to {@code until} (its start included) and were not done by their
     * due instant, counted per rule and line; only those started inside {@code filter}'s period are seen.
     */
    Flux<Missed> missedBetween(ReportFilter filter, WorkingTime time, Instant since, Instant until, Closes triage,
            Closes classification) {
        Map<String, Object> binds = period(filter);
        binds.put("now", OffsetDateTime.ofInstant(until, ZoneOffset.UTC));
        binds.put("since", OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
        binds.put("triageFrom", OffsetDateTime.ofInstant(triage.from(), ZoneOffset.UTC));
        binds.put("triageTo", OffsetDateTime.ofInstant(triage.to(), ZoneOffset.UTC));
        binds.put("classificationFrom", OffsetDateTime.ofInstant(classification.from(), ZoneOffset.UTC));
        binds.put("classificationTo", OffsetDateTime.ofInstant(classification.to(), ZoneOffset.UTC));
        String sql = "WITH " + deadlines(filter, binds, time, true) + """
                SELECT rule, line_id, count(*) AS missed
                FROM judged
                WHERE due >= :since AND due < :now AND (done_at IS NULL OR done_at > due)
                GROUP BY 1, 2""";
        return query(sql, binds, row -> new Missed(row.get("rule", String.class), row.get("line_id", String.class),
                count(row, "missed")));
    }

    /** Offline forms received per site in the period (nothing records an answer to them yet). */
    Flux<OfflineFormCount> offlineForms(ReportFilter filter, List<String> sites) {
        Map<String, Object> binds = period(filter);
        String where = "f.created_at >= :from AND f.created_at < :to";
        if (sites != null) {
            where += " AND f.site_id = ANY(:sites)";
            binds.put("sites", sites.toArray(String[]::new));
        }
        if (filter.siteId() != null) {
            where += " AND f.site_id = :site";
            binds.put("site", filter.siteId());
        }
        String sql = """
                SELECT f.site_id, %s AS bucket, count(*) AS received
                FROM offline_form f
                WHERE %s
                GROUP BY 1, 2
                ORDER BY 2, 1""".formatted(bucket(filter.step(), "f.created_at"), where);
        return query(sql, binds, row -> new OfflineFormCount(row.get("site_id", String.class),
                row.get("bucket", LocalDate.class), count(row, "received")));
    }

    /** The columns of a day's partial agent figures, in the order of {@code report_agent_day} after its zone. */
    static final String AGENT_PART_COLUMNS = """
            day, agent_id, dialog_ids, dialog_seconds, peak_at_once, online_seconds, away_seconds, offline_seconds""";

    /**
     * The common table expressions that end in {@code agent_part}: per day of {@code :aFromDay} to {@code :aToDay}
     * (spanning {@code :aFrom} to {@code :aTo}) and agent, the dialogs they held (each hold cut at the day's bounds
     * and at {@code :now}), the seconds held, their peak at once, and their seconds online, away and offline (each
     * stretch of presence cut the same way). Every agent is counted; a report keeps those of its scope. Summed over
     * the days of a period (and the dialogs counted once), they give what {@link #agentFigures(ReportFilter, Instant)}
     * counts over the period at once: the job stores them per whole past day, a report computes them for the others.
     */
    static String agentPartials() {
        return """
                days AS (
                    SELECT g::date AS day, (g::date::timestamp AT TIME ZONE :zone) AS ds,
                           ((g::date + 1)::timestamp AT TIME ZONE :zone) AS de
                    FROM generate_series(CAST(:aFromDay AS date)::timestamp, CAST(:aToDay AS date)::timestamp,
                                         interval '1 day') g
                ),
                held AS (
                    SELECT days.day, h.agent_id, h.dialog_id,
                           greatest(h.started_at, days.ds) AS start_at,
                           least(coalesce(h.ended_at, :now), days.de, :now) AS end_at
                    FROM dialog_hold h
                    JOIN days ON h.started_at < days.de AND (h.ended_at IS NULL OR h.ended_at > days.ds)
                    WHERE tstzrange(h.started_at, h.ended_at) && tstzrange(:aFrom, :aTo)
                ),
                iv AS (
                    SELECT * FROM held WHERE end_at > start_at
                ),
                pts AS (
                    SELECT day, agent_id, start_at AS t, 1 AS step FROM iv
                    UNION ALL
                    SELECT day, agent_id, end_at, -1 FROM iv
                ),
                running AS (
                    SELECT day, agent_id, sum(step) OVER (PARTITION BY day, agent_id ORDER BY t, step
                                                          ROWS UNBOUNDED PRECEDING) AS at_once
                    FROM pts
                ),
                peaks AS (
                    SELECT day, agent_id, max(at_once) AS peak_at_once FROM running GROUP BY 1, 2
                ),
                holds AS (
                    SELECT day, agent_id, array_agg(DISTINCT dialog_id) AS dialog_ids,
                           sum(extract(epoch FROM end_at - start_at)) AS dialog_seconds
                    FROM iv
                    GROUP BY 1, 2
                ),
                pl_rows AS (
                    SELECT p.id, p.agent_id, p.status, p.at
                    FROM agent_presence_log p
                    WHERE p.agent_id = ANY(ARRAY(SELECT a.id FROM agent a)) AND p.at >= :aFrom AND p.at < :aTo
                    UNION ALL
                    SELECT l.id, l.agent_id, l.status, l.at
                    FROM agent a
                    CROSS JOIN LATERAL (SELECT q.id, q.agent_id, q.status, q.at
                                        FROM agent_presence_log q
                                        WHERE q.agent_id = a.id AND q.at < :aFrom
                                        ORDER BY q.at DESC, q.id DESC
                                        LIMIT 1) l
                ),
                pl AS (
                    SELECT r.agent_id, r.status, r.at,
                           lead(r.at) OVER (PARTITION BY r.agent_id ORDER BY r.at, r.id) AS next_at
                    FROM pl_rows r
                ),
                presence AS (
                    SELECT days.day, pl.agent_id, pl.status,
                           sum(greatest(0, extract(epoch FROM least(coalesce(pl.next_at, :now), days.de, :now)
                                                            - greatest(pl.at, days.ds)))) AS seconds
                    FROM pl
                    JOIN days ON pl.at < days.de AND (pl.next_at IS NULL OR pl.next_at > days.ds)
                    GROUP BY 1, 2, 3
                ),
                times AS (
                    SELECT day, agent_id,
                           sum(seconds) FILTER (WHERE status = 'ONLINE') AS online_seconds,
                           sum(seconds) FILTER (WHERE status = 'AWAY') AS away_seconds,
                           sum(seconds) FILTER (WHERE status = 'OFFLINE') AS offline_seconds
                    FROM presence
                    GROUP BY 1, 2
                ),
                agent_keys AS (
                    SELECT day, agent_id FROM holds
                    UNION
                    SELECT day, agent_id FROM times
                ),
                agent_part AS (
                    SELECT k.day, k.agent_id, holds.dialog_ids, holds.dialog_seconds, peaks.peak_at_once,
                           times.online_seconds, times.away_seconds, times.offline_seconds
                    FROM agent_keys k
                    LEFT JOIN holds ON holds.day = k.day AND holds.agent_id = k.agent_id
                    LEFT JOIN peaks ON peaks.day = k.day AND peaks.agent_id = k.agent_id
                    LEFT JOIN times ON times.day = k.day AND times.agent_id = k.agent_id
                )""";
    }

    /** Binds the span of days {@link #agentPartials()} counts. */
    private void agentSpan(Map<String, Object> binds, LocalDate first, LocalDate last) {
        ZoneId zone = properties.zone();
        binds.put("aFromDay", first);
        binds.put("aToDay", last);
        binds.put("aFrom", first.atStartOfDay(zone).toOffsetDateTime());
        binds.put("aTo", last.plusDays(1).atStartOfDay(zone).toOffsetDateTime());
    }

    /**
     * The agent figures merged from per-day partials: the rolled-up days that ended by {@code now} and come before
     * the first day that is not rolled up, and the days from that one on computed now ({@link #agentPartials()}).
     * Sums add up, the peak takes the largest, and the dialogs are counted once over the merged lists.
     */
    Flux<AgentFigures> agentFigures(ReportFilter filter, Instant now, boolean rolledUp) {
        if (!rolledUp) {
            return agentFigures(filter, now);
        }
        Map<String, Object> binds = period(filter);
        binds.put("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
        return withRollups(filter, true, " AND ends_at <= :now", binds, (rolled, all) -> {
            String agents = "a.roles && ARRAY['AGENT', 'DISPATCHER']::text[]";
            if (filter.lines() != null) {
                agents += " AND a.lines && CAST(:lines AS text[])";
                all.put("lines", filter.lines().toArray(String[]::new));
            }
            if (filter.agentId() != null) {
                agents += " AND a.id = :agent";
                all.put("agent", filter.agentId());
            }
            // the rolled-up days before the first that is not: the days from that one on are computed as one span
            LocalDate firstLive = filter.from();
            while (!firstLive.isAfter(filter.to()) && rolled.contains(firstLive)) {
                firstLive = firstLive.plusDays(1);
            }
            LocalDate liveFrom = firstLive;
            List<LocalDate> used = rolled.stream().filter(day -> day.isBefore(liveFrom)).toList();
            List<String> branches = new java.util.ArrayList<>();
            String with = "";
            if (!used.isEmpty()) {
                all.put("rolled", used.stream().map(LocalDate::toString).toArray(String[]::new));
                branches.add("SELECT " + columns(AGENT_PART_COLUMNS, "r.") + " FROM report_agent_day r"
                        + " WHERE r.zone = :zone AND r.day = ANY(CAST(:rolled AS date[]))");
            }
            if (!liveFrom.isAfter(filter.to())) {
                agentSpan(all, liveFrom, filter.to());
                with = agentPartials() + ",\n";
                branches.add("SELECT " + columns(AGENT_PART_COLUMNS, "") + " FROM agent_part");
            }
            all.put("maxRows", properties.maxRows());
            return "WITH " + with + """
                    ag AS (
                        SELECT a.id, a.display_name, a.lines FROM agent a WHERE %s
                    ),
                    parts AS (%s),
                    mine AS (
                        SELECT p.* FROM parts p JOIN ag ON ag.id = p.agent_id
                    ),
                    sums AS (
                        SELECT agent_id, sum(dialog_seconds)::float8 AS dialog_seconds,
                               max(peak_at_once) AS peak_at_once,
                               sum(online_seconds)::float8 AS online_seconds,
                               sum(away_seconds)::float8 AS away_seconds,
                               sum(offline_seconds)::float8 AS offline_seconds
                        FROM mine
                        GROUP BY 1
                    ),
                    distinct_held AS (
                        SELECT m.agent_id, count(DISTINCT d.id) AS dialogs
                        FROM mine m
                        CROSS JOIN LATERAL unnest(m.dialog_ids) AS d(id)
                        GROUP BY 1
                    )
                    SELECT ag.id, ag.display_name, ag.lines,
                           coalesce(distinct_held.dialogs, 0) AS dialogs,
                           coalesce(sums.dialog_seconds, 0) AS dialog_seconds,
                           coalesce(sums.peak_at_once, 0) AS peak_at_once,
                           coalesce(sums.online_seconds, 0) AS online_seconds,
                           coalesce(sums.away_seconds, 0) AS away_seconds,
                           coalesce(sums.offline_seconds, 0) AS offline_seconds
                    FROM ag
                    LEFT JOIN distinct_held ON distinct_held.agent_id = ag.id
                    LEFT JOIN sums ON sums.agent_id = ag.id
                    ORDER BY ag.display_name, ag.id
                    LIMIT :maxRows""".formatted(agents, String.join("\nUNION ALL\n", branches));
        }, ReportQueries::agentFigures);
    }

    /**
     * Per agent: the dialogs they held in the period, the time they held dialogs (summed over dialogs), their peak
     * of dialogs at once, and their time online, away and offline from the presence log.
     */
    Flux<AgentFigures> agentFigures(ReportFilter filter, Instant now) {
        Map<String, Object> binds = period(filter);
        binds.put("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
        String agents = "a.roles && ARRAY['AGENT', 'DISPATCHER']::text[]";
        if (filter.lines() != null) {
            agents += " AND a.lines && CAST(:lines AS text[])";
            binds.put("lines", filter.lines().toArray(String[]::new));
        }
        if (filter.agentId() != null) {
            agents += " AND a.id = :agent";
            binds.put("agent", filter.agentId());
        }
        String sql = """
                WITH ag AS (
                    SELECT a.id, a.display_name, a.lines FROM agent a WHERE %s
                ),
                held AS (
                    SELECT h.agent_id, h.dialog_id,
                           greatest(h.started_at, :from) AS start_at,
                           least(coalesce(h.ended_at, :now), :to, :now) AS end_at
                    FROM dialog_hold h
                    JOIN ag ON ag.id = h.agent_id
                    WHERE tstzrange(h.started_at, h.ended_at) && tstzrange(:from, :to)
                ),
                iv AS (
                    SELECT * FROM held WHERE end_at > start_at
                ),
                pts AS (
                    SELECT agent_id, start_at AS t, 1 AS step FROM iv
                    UNION ALL
                    SELECT agent_id, end_at, -1 FROM iv
                ),
                running AS (
                    SELECT agent_id, sum(step) OVER (PARTITION BY agent_id ORDER BY t, step
                                                     ROWS UNBOUNDED PRECEDING) AS at_once
                    FROM pts
                ),
                pl AS (
                    SELECT p.agent_id, p.status, p.at,
                           lead(p.at) OVER (PARTITION BY p.agent_id ORDER BY p.at, p.id) AS next_at
                    FROM agent_presence_log p
                    JOIN ag ON ag.id = p.agent_id
                    WHERE p.at < :to
                      AND (p.at >= :from OR p.id = (SELECT q.id FROM agent_presence_log q
                                                    WHERE q.agent_id = p.agent_id AND q.at < :from
                                                    ORDER BY q.at DESC, q.id DESC LIMIT 1))
                ),
                presence AS (
                    SELECT agent_id,
                           sum(greatest(0, extract(epoch FROM least(coalesce(next_at, :now), :to, :now)
                                                            - greatest(at, :from)))) AS seconds,
                           status
                    FROM pl
                    GROUP BY 1, 3
                ),
                holds AS (
                    SELECT agent_id, count(DISTINCT dialog_id) AS dialogs,
                           sum(extract(epoch FROM end_at - start_at))::float8 AS dialog_seconds
                    FROM iv
                    GROUP BY 1
                ),
                peaks AS (
                    SELECT agent_id, max(at_once) AS peak_at_once FROM running GROUP BY 1
                ),
                times AS (
                    SELECT agent_id,
                           sum(seconds) FILTER (WHERE status = 'ONLINE')::float8 AS online_seconds,
                           sum(seconds) FILTER (WHERE status = 'AWAY')::float8 AS away_seconds,
                           sum(seconds) FILTER (WHERE status = 'OFFLINE')::float8 AS offline_seconds
                    FROM presence
                    GROUP BY 1
                )
                SELECT ag.id, ag.display_name, ag.lines,
                       coalesce(holds.dialogs, 0) AS dialogs,
                       coalesce(holds.dialog_seconds, 0) AS dialog_seconds,
                       coalesce(peaks.peak_at_once, 0) AS peak_at_once,
                       coalesce(times.online_seconds, 0) AS online_seconds,
                       coalesce(times.away_seconds, 0) AS away_seconds,
                       coalesce(times.offline_seconds, 0) AS offline_seconds
                FROM ag
                LEFT JOIN holds ON holds.agent_id = ag.id
                LEFT JOIN peaks ON peaks.agent_id = ag.id
                LEFT JOIN times ON times.agent_id = ag.id
                ORDER BY ag.display_name, ag.id
                LIMIT :maxRows""".formatted(agents);
        binds.put("maxRows", properties.maxRows());
        return query(sql, binds, ReportQueries::agentFigures);
    }

    private Map<String, Object> period(ReportFilter filter) {
        ZoneId zone = properties.zone();
        Map<String, Object> binds = new LinkedHashMap<>();
        binds.put("from", filter.from().atStartOfDay(zone).toOffsetDateTime());
        binds.put("to", filter.to().plusDays(1).atStartOfDay(zone).toOffsetDateTime());
        binds.put("fromDay", filter.from());
        binds.put("zone", zone.getId());
        return binds;
    }

    /** The statement with those of {@code binds} it names bound. */
    private DatabaseClient.GenericExecuteSpec statement(String sql, Map<String, Object> binds) {
        return statement(db, sql, binds);
    }

    /** The statement on {@code client} (the roll-up job's connection, or the reports') with its binds. */
    private static DatabaseClient.GenericExecuteSpec statement(DatabaseClient client, String sql,
            Map<String, Object> binds) {
        DatabaseClient.GenericExecuteSpec spec = client.sql(sql);
        for (Map.Entry<String, Object> bind : binds.entrySet()) {
            if (Pattern.compile(":" + bind.getKey() + "(?![A-Za-z0-9_])").matcher(sql).find()) {
                spec = spec.bind(bind.getKey(), bind.getValue());
            }
        }
        return spec;
    }

    /**
     * The first statement of every report's transaction: the query timeout, JIT off (it compiles the big aggregates
     * for seconds, 3.7 s of 13.9 s on the benchmark's month of one line, to save less than it costs on queries that
     * mostly walk indexes), and the transaction read-only, whichever way it began: a report never writes (a statement
     * that would is refused by PostgreSQL), and a standby ({@code gateway.report.r2dbc.url}) can serve every one.
     */
    private Mono<Void> begin(DatabaseClient client) {
        return client.sql("""
                        SELECT set_config('statement_timeout', :timeout, true), set_config('jit', 'off', true),
                            set_config('transaction_read_only', 'on', true)""")
                .bind("timeout", queryTimeout.toMillis() + "ms")
                .then();
    }

    <T> Flux<T> query(String sql, Map<String, Object> binds, Function<Readable, T> mapper) {
        DatabaseClient.GenericExecuteSpec statement = statement(sql, binds);
        return begin(db)
                .thenMany(statement.map(mapper::apply).all())
                .as(tx::transactional);
    }

    /**
     * A list's statement on a connection of its own, in a transaction with the timeout, its rows streamed as they
     * come (a CSV is written as they arrive). Should the stream be cancelled (a client that left a CSV download) or
     * fail, the physical connection under the pooled one is closed: PostgreSQL ends the query and its transaction,
     * and the pool drops the connection. A query cancelled in flight would otherwise leave its connection
     * mid-conversation, or inside its transaction (docs/reliability.md, finding 3).
     */
    <T> Flux<T> list(String sql, Map<String, Object> binds, Function<Readable, T> mapper) {
        ConnectionFactory pool = db.getConnectionFactory();
        return Flux.usingWhen(Mono.from(pool.create()), connection -> {
            DatabaseClient one = DatabaseClient.create(new SingleConnectionFactory(connection, pool.getMetadata(),
                    true));
            return Mono.from(connection.beginTransaction())
                    .then(begin(one))
                    .thenMany(statement(one, sql, binds).map(mapper::apply).all());
        }, connection -> Mono.from(connection.commitTransaction()).then(Mono.from(connection.close())),
                (connection, error) -> PooledConnections.discard(connection), PooledConnections::discard);
    }

    // --- rows -----------------------------------------------------------------------------------

    private static DialogFigures dialogFigures(Readable row) {
        return new DialogFigures(row.get(0, String.class), row.get(1, String.class), row.get("bucket", LocalDate.class),
                count(row, "offered"), count(row, "answered"), count(row, "abandoned"), count(row, "missed"),
                count(row, "out_of_hours"), count(row, "waiting"), seconds(row, "wait_p50"), seconds(row, "wait_p90"),
                seconds(row, "wait_max"), seconds(row, "first_response_p50"), seconds(row, "first_response_p90"),
                seconds(row, "first_response_max"), seconds(row, "handle_p50"), seconds(row, "handle_avg"),
                row.get("messages_avg", Double.class), count(row, "rated"), row.get("rating_avg", Double.class),
                List.of(count(row, "rating1"), count(row, "rating2"), count(row, "rating3"), count(row, "rating4"),
                        count(row, "rating5")),
                count(row, "rating_comments"), count(row, "consultations"), count(row, "service_requests"),
                count(row, "complaints"), count(row, "change_requests"), count(row, "complaints_to_marketing_director"),
                count(row, "complaints_to_head_of_student_affairs"));
    }

    /**
     * By position, in the order of {@link #dialogRows}' select list (a name is looked up among a row's columns on
     * every read: 21 of them, for each of up to 10,000 rows).
     */
    private static Listed<DialogRow> dialogRow(Readable row) {
        Short rating = row.get(15, Short.class);
        return new Listed<>(new DialogRow(row.get(0, UUID.class), row.get(1, String.class), row.get(2, String.class),
                row.get(3, String.class), row.get(4, String.class), row.get(5, String.class), row.get(6, String.class),
                micros(row, 7), micros(row, 8), micros(row, 9), micros(row, 10), seconds(row, 11),
                seconds(row, 12), seconds(row, 13), count(row, 14), rating == null ? null : rating.intValue(),
                row.get(16, String.class), row.get(17, String.class), row.get(18, String.class),
                row.get(19, String.class)), count(row, 20));
    }

    private static DeadlineFigures deadlineFigures(Readable row) {
        return new DeadlineFigures(row.get("rule", String.class), row.get(1, String.class), row.get(2, String.class),
                row.get("bucket", LocalDate.class), count(row, "total"), count(row, "kept"), count(row, "missed"),
                count(row, "pending"), count(row, "escalations"));
    }

    private static Listed<DeadlineRow> deadlineRow(Readable row) {
        return new Listed<>(new DeadlineRow(row.get("rule", String.class), row.get("dialog_id", UUID.class),
                row.get("task_id", UUID.class), row.get("line_id", String.class), row.get("site_id", String.class),
                row.get("channel", String.class), row.get("agent_name", String.class), instant(row, "started"),
                instant(row, "due"), instant(row, "done_at"), row.get("status", String.class),
                count(row, "escalations")), count(row, "picked_rows"));
    }

    private static AgentFigures agentFigures(Readable row) {
        String[] lines = row.get("lines", String[].class);
        return new AgentFigures(row.get("id", Long.class), row.get("display_name", String.class),
                lines == null ? List.of() : List.of(lines), count(row, "dialogs"), seconds(row, "dialog_seconds"),
                count(row, "peak_at_once"), seconds(row, "online_seconds"), seconds(row, "away_seconds"),
                seconds(row, "offline_seconds"));
    }

    private static long count(Readable row, String column) {
        Number value = row.get(column, Number.class);
        return value == null ? 0 : value.longValue();
    }

    /**
     * A timestamp as microseconds since the epoch: a number the driver reads at once, where the text of a
     * {@code timestamptz} goes through a date-time parser (a fifth of a 10,000-row CSV's time in the gateway, with
     * four of them a row).
     */
    private static String micros(String column) {
        return "(extract(epoch FROM " + column + ") * 1000000)::int8";
    }

    private static Instant micros(Readable row, int column) {
        Long value = row.get(column, Long.class);
        return value == null ? null
                : Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
    }

    private static long count(Readable row, int column) {
        Number value = row.get(column, Number.class);
        return value == null ? 0 : value.longValue();
    }

    private static Long seconds(Readable row, int column) {
        Double value = row.get(column, Double.class);
        return value == null ? null : Math.round(value);
    }

    /** Seconds rounded to whole seconds; null when there is nothing to measure. */
    private static Long seconds(Readable row, String column) {
        Double value = row.get(column, Double.class);
        return value == null ? null : Math.round(value);
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
