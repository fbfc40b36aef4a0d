package ru.rosdistant.gateway.report;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-day roll-ups of the dialog figures (V61, {@link ReportRollups}) give exactly the figures counted from the
 * dialogs: on generated dialogs over a week of lines lab740 and lab741 (waits to the microsecond, ties, every
 * outcome, ratings, appeal types, complaint tasks), every step, grouping and filter asked both ways; and a late change
 * of a dialog forgets its day, a day with a dialog still open is not rolled up.
 */
@GatewayTest
class ReportRollupTests {

    /** Mon 2 to Sun 8 March 2026 (Samara), and a day either side that is never rolled up. */
    static final LocalDate FIRST = LocalDate.of(2026, 3, 2);

    static final LocalDate LAST = LocalDate.of(2026, 3, 8);

    @Autowired
    Reports reports;

    @Autowired
    ReportRollups rollups;

    @Autowired
    DatabaseClient db;

    @Autowired
    ReportClock clock;

    @BeforeEach
    void dialogs() {
        run("""
                SELECT 1 FROM dialog WHERE id::text LIKE '00000740-%' FOR UPDATE;
                DELETE FROM task_history WHERE task_id::text LIKE '00000740-%';
                DELETE FROM task WHERE id::text LIKE '00000740-%' OR dialog_id::text LIKE '00000740-%';
                DELETE FROM transcript WHERE dialog_id::text LIKE '00000740-%';
                DELETE FROM message WHERE dialog_id::text LIKE '00000740-%';
                DELETE FROM outbox WHERE dedup_key LIKE '%00000740-%';
                DELETE FROM agent_presence_log
                WHERE agent_id IN (SELECT id FROM agent WHERE login IN ('lab740-anna', 'lab740-boris', 'lab741-vera'));
                DELETE FROM dialog WHERE id::text LIKE '00000740-%';
                DELETE FROM visitor WHERE id::text LIKE '00000740-%';
                INSERT INTO agent (login, display_name, password_hash, roles, lines)
                VALUES ('lab740-anna', 'Анна Lab740', '{noop}x', ARRAY['AGENT'], ARRAY['lab740']),
                       ('lab740-boris', 'Борис Lab740', '{noop}x', ARRAY['AGENT'], ARRAY['lab740']),
                       ('lab741-vera', 'Вера Lab741', '{noop}x', ARRAY['AGENT'], ARRAY['lab741'])
                ON CONFLICT (login) DO NOTHING;
                INSERT INTO card (id, kind, name, site_id)
                VALUES ('00000740-0000-0000-0000-00000000c001', 'LEAD', 'Lab740 visitor', 'lab740')
                ON CONFLICT (id) DO NOTHING;
                INSERT INTO visitor (id, site_id, token_hash, name)
                VALUES ('00000740-0000-0000-0000-00000000f001', 'lab740', decode(md5('lab740-visitor'), 'hex'),
                        'Lab740 visitor');
                SELECT setseed(0.740);
                CREATE TEMP TABLE lab740_dialog ON COMMIT DROP AS
                SELECT i,
                       ('00000740-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid AS id,
                       CASE WHEN i % 3 = 0 THEN 'lab741' ELSE 'lab740' END AS line,
                       CASE WHEN i % 5 = 0 THEN 'TELEGRAM' ELSE 'WIDGET' END AS channel,
                       -- 1 to 9 March and a little: the days either side of the rolled-up week too
                       timestamptz '2026-03-01 00:00+04' + random() * interval '9 days' AS queued,
                       random() AS r,
                       -- ties on whole seconds for a third, microseconds for the rest
                       CASE WHEN i % 3 = 1 THEN floor(random() * 120) ELSE random() * 900 END AS wait_s,
                       random() * 60 AS reply_s,
                       60 + random() * 1800 AS handle_s,
                       (random() * 20)::int AS messages
                FROM generate_series(1, 700) i;
                INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, agent_id, last_seq, opened_at,
                                    queued_at, assigned_at, closed_at, closed_by, rating, rating_comment, rated_at,
                                    appeal_type, request_number, classified_at, first_assigned_at, first_agent_id,
                                    first_reply_at, message_count, offline_reason, card_id)
                SELECT d.id, '00000740-0000-0000-0000-00000000f001', d.line, d.line, d.channel, 'CLOSED', a.id, 1,
                       d.queued, d.queued,
                       CASE WHEN d.r < 0.8 THEN d.queued + d.wait_s * interval '1 second' END,
                       d.queued + (d.wait_s + d.handle_s) * interval '1 second',
                       'AGENT',
                       CASE WHEN d.r < 0.8 AND d.i % 4 <> 0 THEN 1 + d.i % 5 END,
                       CASE WHEN d.r < 0.8 AND d.i % 8 = 1 THEN 'Спасибо' END,
                       CASE WHEN d.r < 0.8 AND d.i % 4 <> 0 THEN d.queued + interval '1 hour' END,
                       CASE WHEN d.r < 0.8 THEN (ARRAY['CONSULTATION', 'SERVICE_REQUEST', 'COMPLAINT',
                                                        'CHANGE_REQUEST'])[1 + d.i % 4] END,
                       CASE WHEN d.r < 0.8 THEN 'R-740-' || d.i END,
                       CASE WHEN d.r < 0.8 THEN d.queued + interval '2 hours' END,
                       CASE WHEN d.r < 0.8 THEN d.queued + d.wait_s * interval '1 second' END,
                       CASE WHEN d.r < 0.8 THEN a.id END,
                       CASE WHEN d.r < 0.75 THEN d.queued + (d.wait_s + d.reply_s) * interval '1 second' END,
                       d.messages,
                       CASE WHEN d.r >= 0.8 AND d.r < 0.86 THEN 'busy' WHEN d.r >= 0.86 AND d.r < 0.9 THEN 'hours' END,
                       '00000740-0000-0000-0000-00000000c001'
                FROM lab740_dialog d
                JOIN agent a ON a.login = CASE WHEN d.line = 'lab741' THEN 'lab741-vera'
                                               WHEN d.i % 2 = 0 THEN 'lab740-anna' ELSE 'lab740-boris' END;
                UPDATE dialog SET agent_id = NULL WHERE id::text LIKE '00000740-%' AND first_assigned_at IS NULL;
                INSERT INTO task (id, card_id, dialog_id, kind, title, request_number, line_id, owner_agent_id,
                                  addressee, due, state, result, escalations, created_at, completed_at)
                SELECT ('00000740-0000-0000-0000-1' || lpad(to_hex(d.i), 11, '0'))::uuid,
                       '00000740-0000-0000-0000-00000000c001', d.id, 'COMPLAINT_ANSWER', 'Ответить на жалобу',
                       'C-740-' || d.i, d.line_id, d.agent_id,
                       CASE WHEN d.i % 8 = 2 THEN 'MARKETING_DIRECTOR' ELSE 'HEAD_OF_STUDENT_AFFAIRS' END,
                       (d.closed_at AT TIME ZONE 'Europe/Samara')::date + d.i % 4, 'DONE', 'answered', d.i % 3,
                       d.closed_at, d.closed_at + d.i % 5 * interval '1 day'
                FROM (SELECT dl.*, ld.i FROM dialog dl JOIN lab740_dialog ld ON ld.id = dl.id) d
                WHERE d.appeal_type = 'COMPLAINT';
                -- who held which dialog: the first agent from the assignment to the close, every sixth forwarded
                -- half-way to another agent, every 50th held for 30 hours (across days), one never let go
                INSERT INTO dialog_hold (dialog_id, seq, agent_id, started_at, ended_at)
                SELECT d.id, 2, d.first_agent_id, d.first_assigned_at,
                       CASE WHEN ld.i = 7 THEN NULL
                            WHEN ld.i % 50 = 0 THEN d.first_assigned_at + interval '30 hours'
                            WHEN ld.i % 6 = 0 THEN d.first_assigned_at + (d.closed_at - d.first_assigned_at) / 2
                            ELSE d.closed_at END
                FROM dialog d JOIN lab740_dialog ld ON ld.id = d.id
                WHERE d.first_assigned_at IS NOT NULL;
                INSERT INTO dialog_hold (dialog_id, seq, agent_id, started_at, ended_at)
                SELECT d.id, 3, other.id, d.first_assigned_at + (d.closed_at - d.first_assigned_at) / 2, d.closed_at
                FROM dialog d
                JOIN lab740_dialog ld ON ld.id = d.id
                JOIN agent other ON other.login = CASE WHEN ld.i % 4 = 0 THEN 'lab740-boris' ELSE 'lab740-anna' END
                WHERE d.first_assigned_at IS NOT NULL AND ld.i % 6 = 0 AND ld.i % 50 <> 0 AND ld.i <> 7;
                -- presence: 40 changes of each agent from the evening before the week to the day after it
                INSERT INTO agent_presence_log (agent_id, status, at)
                SELECT a.id, (ARRAY['ONLINE', 'AWAY', 'OFFLINE', 'ONLINE'])[1 + n % 4],
                       timestamptz '2026-02-28 20:00+04' + random() * interval '11 days'
                FROM agent a CROSS JOIN generate_series(1, 40) n
                WHERE a.login IN ('lab740-anna', 'lab740-boris', 'lab741-vera')""");
        clock.set(Clock.systemUTC());
    }

    @AfterEach
    void forgetTheWeek() {
        // every day is counted from its dialogs again for the other tests (only these tests roll days up)
        run("DELETE FROM report_day");
    }

    @Test
    void theRolledUpDaysGiveTheFiguresCountedFromTheDialogs() {
        for (LocalDate day = FIRST; !day.isAfter(LAST); day = day.plusDays(1)) {
            assertThat(rollups.rollUp(day).block(Duration.ofSeconds(30))).as("rolled up %s", day).isTrue();
        }
        assertThat(rolledDays()).isEqualTo(7);
        assertSameBothWays();

        // a rating given late forgets its day: that day is counted from its dialogs, the others still rolled up
        run("""
                UPDATE dialog SET rating = 1, rated_at = now()
                WHERE id = (SELECT id FROM dialog WHERE id::text LIKE '00000740-%'
                              AND queued_at >= '2026-03-05 00:00+04' AND queued_at < '2026-03-06 00:00+04'
                              AND rating IS NULL AND first_assigned_at IS NOT NULL
                            ORDER BY id LIMIT 1)""");
        assertThat(rolled(LocalDate.of(2026, 3, 5))).isFalse();
        assertThat(rolledDays()).isBetween(5L, 6L);
        assertSameBothWays();
        assertThat(rollups.catchUp(java.time.OffsetDateTime.parse("2026-03-10T12:00:00+04:00").toInstant(), 12)
                .block(Duration.ofSeconds(300))
                .rolled()).isPositive();
        assertThat(rolledDays()).isEqualTo(9);
        assertSameBothWays();
    }

    @Test
    void aComplaintTaskOrAClassificationAfterTheRollUpForgetsTheDay() {
        for (LocalDate day = FIRST; !day.isAfter(LAST); day = day.plusDays(1)) {
            rollups.rollUp(day).block(Duration.ofSeconds(30));
        }
        ReportFilter week = filter("period", "line", List.of("lab740", "lab741"), null, null, null);
        List<DialogFigures> before = reports.dialogFigures(week, true).collectList().block(Duration.ofSeconds(30));
        run("""
                UPDATE dialog SET appeal_type = NULL
                WHERE id = (SELECT id FROM dialog WHERE id::text LIKE '00000740-%'
                              AND queued_at >= '2026-03-03 00:00+04' AND queued_at < '2026-03-04 00:00+04'
                              AND appeal_type = 'CONSULTATION' ORDER BY id LIMIT 1)""");
        run("""
                DELETE FROM task
                WHERE id = (SELECT t.id FROM task t JOIN dialog d ON d.id = t.dialog_id
                            WHERE t.id::text LIKE '00000740-%'
                              AND d.queued_at >= '2026-03-07 00:00+04' AND d.queued_at < '2026-03-08 00:00+04'
                            ORDER BY t.id LIMIT 1)""");
        assertThat(rolled(LocalDate.of(2026, 3, 3))).isFalse();
        assertThat(rolled(LocalDate.of(2026, 3, 7))).isFalse();
        assertThat(rolledDays()).isBetween(3L, 5L);
        List<DialogFigures> after = reports.dialogFigures(week, true).collectList().block(Duration.ofSeconds(30));
        long consultations = before.stream().mapToLong(DialogFigures::consultations).sum();
        long complaintTasks = before.stream()
                .mapToLong(row -> row.complaintsToMarketingDirector() + row.complaintsToHeadOfStudentAffairs())
                .sum();
        assertThat(after.stream().mapToLong(DialogFigures::consultations).sum()).isEqualTo(consultations - 1);
        assertThat(after.stream()
                .mapToLong(row -> row.complaintsToMarketingDirector() + row.complaintsToHeadOfStudentAffairs())
                .sum()).isEqualTo(complaintTasks - 1);
        assertSameBothWays();
    }

    @Test
    void aDayWithADialogStillOpenIsNotRolledUp() {
        run("""
                INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, agent_id, last_seq, opened_at,
                                    queued_at, assigned_at, first_assigned_at, first_agent_id, card_id)
                SELECT '00000740-0000-0000-0000-0000000fffff', '00000740-0000-0000-0000-00000000f001', 'lab740',
                       'lab740', 'WIDGET', 'ASSIGNED', a.id, 1, '2026-03-04 10:00+04', '2026-03-04 10:00+04',
                       '2026-03-04 10:01+04', '2026-03-04 10:01+04', a.id, '00000740-0000-0000-0000-00000000c001'
                FROM agent a WHERE a.login = 'lab740-anna'""");
        assertThat(rollups.rollUp(LocalDate.of(2026, 3, 4)).block(Duration.ofSeconds(30))).isFalse();
        assertThat(rollups.rollUp(LocalDate.of(2026, 3, 3)).block(Duration.ofSeconds(30))).isTrue();
        run("UPDATE dialog SET state = 'CLOSED', closed_at = '2026-03-04 10:30+04' "
                + "WHERE id = '00000740-0000-0000-0000-0000000fffff'");
        assertThat(rollups.rollUp(LocalDate.of(2026, 3, 4)).block(Duration.ofSeconds(30))).isTrue();
        assertThat(rolledDays()).isEqualTo(2);
        assertSameBothWays();
    }

    @Test
    void theHandCountedDataSetGivesTheSameFiguresRolledUp() {
        ReportFiguresTests.load(db);
        clock.set(ReportFiguresTests.LATER);
        try {
            for (LocalDate day = ReportFiguresTests.FROM; !day.isAfter(ReportFiguresTests.TO); day = day.plusDays(1)) {
                assertThat(rollups.rollUp(day).block(Duration.ofSeconds(30))).isTrue();
            }
            ReportFilter lab140 = ReportFilter.of(ReportFiguresTests.FROM, ReportFiguresTests.TO, "period", "line",
                    List.of("lab140"), null, null, null, 366);
            DialogFigures rolled = reports.dialogFigures(lab140, true).blockFirst(Duration.ofSeconds(30));
            // as computed by hand in ReportFiguresTests
            assertThat(List.of(rolled.offered(), rolled.answered(), rolled.abandoned(), rolled.missed()))
                    .containsExactly(7L, 5L, 1L, 1L);
            assertThat(List.of(rolled.waitP50(), rolled.waitP90(), rolled.waitMax())).containsExactly(60L, 228L, 300L);
            assertThat(List.of(rolled.firstResponseP50(), rolled.firstResponseP90(), rolled.firstResponseMax()))
                    .containsExactly(90L, 288L, 360L);
            assertThat(List.of(rolled.handleP50(), rolled.handleAvg())).containsExactly(600L, 884L);
            assertThat(rolled.ratings()).containsExactly(0L, 0L, 1L, 1L, 1L);
            for (String step : List.of("day", "week", "period")) {
                for (String by : List.of("all", "line", "agent", "site")) {
                    ReportFilter filter = ReportFilter.of(ReportFiguresTests.FROM, ReportFiguresTests.TO, step, by,
                            List.of("lab140", "lab141", "dispatcher"), null, null, null, 366);
                    assertThat(reports.dialogFigures(filter, true).collectList().block(Duration.ofSeconds(30)))
                            .isEqualTo(reports.dialogFigures(filter, false).collectList().block(Duration.ofSeconds(30)));
                    assertThat(reports.deadlineFigures(filter, true).collectList().block(Duration.ofSeconds(30)))
                            .isEqualTo(reports.deadlineFigures(filter, false).collectList()
                                    .block(Duration.ofSeconds(30)));
                    assertThat(reports.agentFigures(filter, true).collectList().block(Duration.ofSeconds(30)))
                            .isEqualTo(reports.agentFigures(filter, false).collectList().block(Duration.ofSeconds(30)));
                }
            }
            // the agents as counted by hand in ReportFiguresTests, from the roll-ups
            java.util.Map<String, AgentFigures> agents = reports.agentFigures(ReportFilter.of(ReportFiguresTests.FROM,
                            ReportFiguresTests.TO, "period", "agent", List.of("lab140"), null, null, null, 366), true)
                    .collectMap(AgentFigures::name, java.util.function.Function.identity())
                    .block(Duration.ofSeconds(30));
            AgentFigures boris = agents.get("Борис Lab140");
            assertThat(List.of(boris.dialogs(), boris.dialogSeconds(), boris.peakAtOnce())).containsExactly(3L, 2320L, 2L);
            assertThat(List.of(boris.onlineSeconds(), boris.awaySeconds(), boris.offlineSeconds()))
                    .containsExactly(7_200L, 0L, 1_029_600L);
            // the deadlines as counted by hand, from the roll-ups: all had fallen due by the clock (20 May)
            assertThat(rolledDeadlines("lab140", "CLASSIFICATION")).containsExactly(5L, 2L, 3L, 0L);
            assertThat(rolledDeadlines("dispatcher", "TRIAGE")).containsExactly(3L, 1L, 2L, 0L);
            // on 14 May the classifications of 13 May were still running: those days are judged anew, not rolled up
            clock.set(Clock.fixed(java.time.OffsetDateTime.parse("2026-05-14T12:00:00+04:00").toInstant(),
                    java.time.ZoneOffset.UTC));
            assertThat(rolledDeadlines("lab140", "CLASSIFICATION")).containsExactly(5L, 2L, 1L, 2L);
        }
        finally {
            run("DELETE FROM report_day WHERE day BETWEEN '2026-05-01' AND '2026-05-31'");
            clock.set(Clock.systemUTC());
        }
    }

    /** Total, kept, missed and pending of a rule on a line over the hand-counted period, rolled up where may be. */
    private List<Long> rolledDeadlines(String line, String rule) {
        DeadlineFigures figures = reports.deadlineFigures(ReportFilter.of(ReportFiguresTests.FROM,
                        ReportFiguresTests.TO, "period", "line", List.of(line), null, null, null, 366), true)
                .filter(row -> row.rule().equals(rule))
                .blockFirst(Duration.ofSeconds(30));
        return List.of(figures.total(), figures.kept(), figures.missed(), figures.pending());
    }

    /** Every step, grouping and filter, from a day before the rolled-up week to a day after it. */
    private void assertSameBothWays() {
        long anna = db.sql("SELECT id FROM agent WHERE login = 'lab740-anna'")
                .map(row -> row.get("id", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
        List<ReportFilter> filters = new ArrayList<>();
        for (String step : List.of("day", "week", "month", "period")) {
            for (String by : List.of("all", "line", "agent", "site", "channel", "site-channel")) {
                filters.add(filter(step, by, List.of("lab740", "lab741"), null, null, null));
            }
        }
        filters.add(filter("day", "agent", List.of("lab740"), null, null, null));
        filters.add(filter("week", "line", List.of("lab740", "lab741"), anna, null, null));
        filters.add(filter("period", "channel", List.of("lab740", "lab741"), null, "lab741", null));
        filters.add(filter("day", "site", List.of("lab740", "lab741"), null, null, "TELEGRAM"));
        // a period inside the rolled-up week, and one that starts in it and ends after it
        filters.add(ReportFilter.of(LocalDate.of(2026, 3, 3), LocalDate.of(2026, 3, 6), "day", "line",
                List.of("lab740", "lab741"), null, null, null, 366));
        filters.add(ReportFilter.of(LocalDate.of(2026, 3, 5), LocalDate.of(2026, 3, 12), "period", "agent",
                List.of("lab740", "lab741"), null, null, null, 366));
        for (ReportFilter filter : filters) {
            List<DialogFigures> counted = reports.dialogFigures(filter, false).collectList().block(Duration.ofSeconds(30));
            List<DialogFigures> rolled = reports.dialogFigures(filter, true).collectList().block(Duration.ofSeconds(30));
            assertThat(counted).as("%s", filter).isNotEmpty();
            assertThat(rolled).as("%s", filter).isEqualTo(counted);
            assertThat(reports.waitHistogram(filter, true).block(Duration.ofSeconds(30))).as("%s", filter)
                    .isEqualTo(reports.waitHistogram(filter, false).block(Duration.ofSeconds(30)));
            List<AgentFigures> agents = reports.agentFigures(filter, false).collectList().block(Duration.ofSeconds(30));
            assertThat(agents).as("%s", filter).isNotEmpty();
            assertThat(reports.agentFigures(filter, true).collectList().block(Duration.ofSeconds(30)))
                    .as("%s", filter)
                    .isEqualTo(agents);
            List<DeadlineFigures> judged = reports.deadlineFigures(filter, false).collectList()
                    .block(Duration.ofSeconds(30));
            assertThat(judged).as("%s", filter).isNotEmpty();
            assertThat(reports.deadlineFigures(filter, true).collectList().block(Duration.ofSeconds(30)))
                    .as("%s", filter)
                    .isEqualTo(judged);
        }
        // the generated data reaches every figure
        DialogFigures all = reports.dialogFigures(filter("period", "all", List.of("lab740", "lab741"), null, null,
                null), true).blockFirst(Duration.ofSeconds(30));
        assertThat(List.of(all.answered(), all.missed(), all.outOfHours(), all.abandoned(), all.rated(),
                all.ratingComments(), all.complaints(), all.complaintsToMarketingDirector(),
                all.complaintsToHeadOfStudentAffairs())).allMatch(count -> count > 0);
        assertThat(all.offered()).isEqualTo(700 + countOpenExtra());
    }

    private long countOpenExtra() {
        return db.sql("SELECT count(*) AS n FROM dialog WHERE id = '00000740-0000-0000-0000-0000000fffff'")
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    private static ReportFilter filter(String step, String by, List<String> lines, Long agent, String site,
            String channel) {
        return ReportFilter.of(FIRST.minusDays(1), LAST.plusDays(1), step, by, lines, agent, site, channel, 366);
    }

    private boolean rolled(LocalDate day) {
        return db.sql("SELECT count(*) AS n FROM report_day WHERE day = :day")
                .bind("day", day)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10)) > 0;
    }

    private long rolledDays() {
        return db.sql("SELECT count(*) AS n FROM report_day WHERE day BETWEEN '2026-03-01' AND '2026-03-10'")
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    private void run(String sql) {
        db.sql(sql).then().block(Duration.ofSeconds(30));
    }
}
