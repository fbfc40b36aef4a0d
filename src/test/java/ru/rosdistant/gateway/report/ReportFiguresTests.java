package ru.rosdistant.gateway.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Every figure against the hand-counted data set of {@code report/fixture.sql}: seven dialogs of line lab140, one
 * of lab141, three main-site dialogs of the dispatcher's line, two tasks, and a presence log, in 4–15 May 2026.
 */
@GatewayTest
class ReportFiguresTests {

    static final LocalDate FROM = LocalDate.of(2026, 5, 4);

    static final LocalDate TO = LocalDate.of(2026, 5, 15);

    /** After every deadline of the data set has fallen due. */
    static final Clock LATER = Clock.fixed(OffsetDateTime.parse("2026-05-20T12:00:00+04:00").toInstant(), ZoneOffset.UTC);

    @Autowired
    Reports reports;

    @Autowired
    ReportClock clock;

    @Autowired
    DatabaseClient db;

    static void load(DatabaseClient db) {
        try {
            String script = new ClassPathResource("report/fixture.sql").getContentAsString(StandardCharsets.UTF_8);
            db.sql(script).then().block(Duration.ofSeconds(30));
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @BeforeEach
    void fixture() {
        load(db);
        clock.set(LATER);
    }

    @AfterEach
    void systemClock() {
        clock.set(Clock.systemUTC());
    }

    static ReportFilter filter(String step, String by, List<String> lines) {
        return ReportFilter.of(FROM, TO, step, by, lines, null, null, null, 366);
    }

    @Test
    void countsDialogsByOutcomeOnTheLineTheyWereOfferedTo() {
        Map<String, DialogFigures> byLine = reports.dialogFigures(filter("period", "line", List.of("lab140", "lab141")))
                .collect(Collectors.toMap(DialogFigures::key, Function.identity()))
                .block(Duration.ofSeconds(30));
        DialogFigures lab140 = byLine.get("lab140");
        assertThat(lab140.bucket()).isEqualTo(FROM);
        assertThat(List.of(lab140.offered(), lab140.answered(), lab140.abandoned(), lab140.missed(),
                lab140.outOfHours(), lab140.waiting())).containsExactly(7L, 5L, 1L, 1L, 0L, 0L);
        DialogFigures lab141 = byLine.get("lab141");
        assertThat(List.of(lab141.offered(), lab141.answered(), lab141.outOfHours())).containsExactly(1L, 0L, 1L);
    }

    @Test
    void measuresWaitFirstResponseAndHandleTimeAsPercentiles() {
        DialogFigures lab140 = one(filter("period", "line", List.of("lab140")));
        // waits 20, 30, 60, 120, 300 s; first responses 60, 60, 90, 180, 360 s; handle 580, 600, 600, 1140, 1500 s
        assertThat(List.of(lab140.waitP50(), lab140.waitP90(), lab140.waitMax())).containsExactly(60L, 228L, 300L);
        assertThat(List.of(lab140.firstResponseP50(), lab140.firstResponseP90(), lab140.firstResponseMax()))
                .containsExactly(90L, 288L, 360L);
        assertThat(List.of(lab140.handleP50(), lab140.handleAvg())).containsExactly(600L, 884L);
        assertThat(lab140.messagesAvg()).isCloseTo(2.6, within(1e-9));
    }

    @Test
    void countsTheWaitsIntoHistogramBars() {
        List<Reports.WaitBar> bars = reports.waitHistogram(filter("period", "all", List.of("lab140")))
                .block(Duration.ofSeconds(30));
        // waits 20, 30, 60, 120, 300 s: a bar holds its lower bound, not its upper
        assertThat(bars).extracting(Reports.WaitBar::dialogs).containsExactly(1L, 1L, 1L, 1L, 1L, 0L);
        assertThat(bars.get(5).upToSeconds()).isNull();
    }

    @Test
    void countsRatingsAndAppealTypes() {
        DialogFigures lab140 = one(filter("period", "line", List.of("lab140")));
        assertThat(lab140.rated()).isEqualTo(3);
        assertThat(lab140.ratingAvg()).isCloseTo(4.0, within(1e-9));
        assertThat(lab140.ratings()).containsExactly(0L, 0L, 1L, 1L, 1L);
        assertThat(lab140.ratingComments()).isEqualTo(1);
        assertThat(lab140.ratedShare()).isCloseTo(0.6, within(1e-9));
        assertThat(List.of(lab140.consultations(), lab140.serviceRequests(), lab140.complaints(),
                lab140.changeRequests(), lab140.complaintsToMarketingDirector(),
                lab140.complaintsToHeadOfStudentAffairs())).containsExactly(1L, 1L, 1L, 0L, 1L, 0L);
    }

    @Test
    void cutsTheTrendIntoDaysOfSamaraAndGroupsByAgent() {
        Map<LocalDate, Long> offeredByDay = reports.dialogFigures(filter("day", "all", List.of("lab140")))
                .collectMap(DialogFigures::bucket, DialogFigures::offered)
                .block(Duration.ofSeconds(30));
        assertThat(offeredByDay).containsExactlyInAnyOrderEntriesOf(Map.of(LocalDate.of(2026, 5, 4), 2L,
                LocalDate.of(2026, 5, 5), 2L, LocalDate.of(2026, 5, 8), 1L, LocalDate.of(2026, 5, 13), 2L));
        Map<LocalDate, Long> byWeek = reports.dialogFigures(filter("week", "all", List.of("lab140")))
                .collectMap(DialogFigures::bucket, DialogFigures::offered)
                .block(Duration.ofSeconds(30));
        assertThat(byWeek).containsExactlyInAnyOrderEntriesOf(Map.of(LocalDate.of(2026, 5, 4), 5L,
                LocalDate.of(2026, 5, 11), 2L));
        Map<String, Long> answeredByAgent = reports.dialogFigures(filter("period", "agent", List.of("lab140")))
                .collectMap(DialogFigures::label, DialogFigures::answered)
                .block(Duration.ofSeconds(30));
        assertThat(answeredByAgent).containsExactlyInAnyOrderEntriesOf(Map.of("Анна Lab140", 2L, "Борис Lab140", 3L,
                "", 0L));
    }

    @Test
    void judgesClassificationByTheNextWorkingDayAcrossWeekendAndHoliday() {
        Map<String, DeadlineFigures> rules = deadlines(List.of("lab140"));
        DeadlineFigures classification = rules.get("CLASSIFICATION");
        // d1 kept (next day), d2 missed (two days), d5 kept: closed on Friday evening, classified on Tuesday after
        // the weekend and the holiday of Monday 11 May; d7 and d8 never classified, due by the end of 14 May
        assertThat(List.of(classification.total(), classification.kept(), classification.missed(),
                classification.pending())).containsExactly(5L, 2L, 3L, 0L);
        List<DeadlineRow> kept = reports.deadlines(filter("period", "line", List.of("lab140")), "CLASSIFICATION",
                        "KEPT", 100)
                .block(Duration.ofSeconds(30))
                .rows();
        assertThat(kept).extracting(row -> row.dialogId().toString())
                .containsExactly("00000140-0000-0000-0000-0000000000d1", "00000140-0000-0000-0000-0000000000d5");
        assertThat(kept.get(1).due()).isEqualTo(OffsetDateTime.parse("2026-05-13T00:00:00+04:00").toInstant());
    }

    @Test
    void aDeadlineStillRunningIsPendingUntilTheClockPassesIt() {
        clock.set(Clock.fixed(OffsetDateTime.parse("2026-05-14T12:00:00+04:00").toInstant(), ZoneOffset.UTC));
        DeadlineFigures classification = deadlines(List.of("lab140")).get("CLASSIFICATION");
        assertThat(List.of(classification.kept(), classification.missed(), classification.pending()))
                .containsExactly(2L, 1L, 2L);
        assertThat(classification.keptShare()).isCloseTo(2.0 / 3, within(1e-9));
    }

    @Test
    void judgesTasksByTheirFirstDueDateAndCountsEscalations() {
        DeadlineFigures tasks = deadlines(List.of("lab140")).get("TASK");
        assertThat(List.of(tasks.total(), tasks.kept(), tasks.missed(), tasks.escalations()))
                .containsExactly(2L, 1L, 1L, 1L);
    }

    @Test
    void aPersonWroteAgainNoticeIsNoTaskDeadline() {
        // an overdue, open notice task of line lab312 in the period: not a regulated deadline, so not counted
        db.sql("""
                        INSERT INTO task (id, card_id, kind, title, line_id, owner_agent_id, due, state, created_at,
                            notice_key)
                        VALUES (gen_random_uuid(), '00000140-0000-0000-0000-00000000c001', 'PERSON_WROTE_AGAIN',
                            'Снова обращается: Тест', 'lab312', (SELECT id FROM agent WHERE login = 'lab140-boris'),
                            '2026-05-06', 'OPEN', '2026-05-05 09:00+04', 'test:lab312:' || gen_random_uuid())""")
                .then()
                .block(Duration.ofSeconds(10));
        DeadlineFigures tasks = deadlines(List.of("lab312")).get("TASK");
        assertThat(tasks == null ? 0L : tasks.total()).isZero();
    }

    @Test
    void judgesTriageTenMinutesFromTheEndOfAMainSiteDialog() {
        DeadlineFigures triage = deadlines(List.of("dispatcher")).get("TRIAGE");
        // e1 triaged 7 minutes after its end, e2 after 15, e3 never
        assertThat(List.of(triage.total(), triage.kept(), triage.missed())).containsExactly(3L, 1L, 2L);
        List<DeadlineRow> misses = reports.deadlines(filter("period", "line", List.of("dispatcher")), "TRIAGE",
                        "MISSED", 100)
                .block(Duration.ofSeconds(30))
                .rows();
        assertThat(misses).extracting(row -> row.dialogId().toString())
                .containsExactly("00000140-0000-0000-0000-0000000000e2", "00000140-0000-0000-0000-0000000000e3");
    }

    @Test
    void countsAMissedDeadlineInTheWindowItFellDueInOnly() {
        // d2, closed Mon 4 May, classified on Wed 6 May: due at the end of Tue 5 May
        assertThat(missed("2026-05-05T23:58:00+04:00", "2026-05-06T00:03:00+04:00", "CLASSIFICATION", "lab140"))
                .isEqualTo(1);
        assertThat(missed("2026-05-06T00:03:00+04:00", "2026-05-06T00:08:00+04:00", "CLASSIFICATION", "lab140"))
                .isZero();
        // d7 and d8, closed Wed 13 May and never classified: due at the end of Thu 14 May
        assertThat(missed("2026-05-14T23:59:00+04:00", "2026-05-15T00:01:00+04:00", "CLASSIFICATION", "lab140"))
                .isEqualTo(2);
        // e3, closed on Friday evening and never triaged: due when the dispatcher's line next opens, plus 10 minutes
        DeadlineRow e3 = reports.deadlines(filter("period", "line", List.of("dispatcher")), "TRIAGE", "MISSED", 100)
                .block(Duration.ofSeconds(30))
                .rows()
                .get(1);
        assertThat(e3.dialogId().toString()).endsWith("e3");
        assertThat(missed(e3.due().minusSeconds(60).atOffset(ZoneOffset.UTC).toString(),
                e3.due().plusSeconds(60).atOffset(ZoneOffset.UTC).toString(), "TRIAGE", "dispatcher")).isEqualTo(1);
    }

    private long missed(String since, String until, String rule, String line) {
        return reports.missedBetween(OffsetDateTime.parse(since).toInstant(), OffsetDateTime.parse(until).toInstant(),
                        DeadlineMetrics.LOOK_BACK)
                .filter(missed -> missed.rule().equals(rule) && line.equals(missed.line()))
                .map(ReportQueries.Missed::count)
                .reduce(0L, Long::sum)
                .block(Duration.ofSeconds(30));
    }

    @Test
    void sumsEachAgentsDialogTimePeakLoadAndPresence() {
        Map<String, AgentFigures> agents = reports.agentFigures(filter("period", "agent", List.of("lab140")))
                .collectMap(AgentFigures::name, Function.identity())
                .block(Duration.ofSeconds(30));
        AgentFigures anna = agents.get("Анна Lab140");
        assertThat(List.of(anna.dialogs(), anna.dialogSeconds(), anna.peakAtOnce())).containsExactly(2L, 2100L, 1L);
        assertThat(List.of(anna.onlineSeconds(), anna.awaySeconds(), anna.offlineSeconds()))
                .containsExactly(10_800L, 3_600L, 990_000L);
        AgentFigures boris = agents.get("Борис Lab140");
        assertThat(List.of(boris.dialogs(), boris.dialogSeconds(), boris.peakAtOnce())).containsExactly(3L, 2320L, 2L);
        assertThat(List.of(boris.onlineSeconds(), boris.awaySeconds(), boris.offlineSeconds()))
                .containsExactly(7_200L, 0L, 1_029_600L);
    }

    @Test
    void listsTheDialogsBehindAFigure() {
        List<DialogRow> rated = reports.dialogs(filter("period", "line", List.of("lab140")), DialogFigure.RATED, 100)
                .block(Duration.ofSeconds(30))
                .rows();
        assertThat(rated).extracting(DialogRow::rating).containsExactly(5, 3, 4);
        assertThat(rated.get(0).ratingComment()).isEqualTo("Спасибо, \"отлично\"; всё ясно");
        assertThat(rated.get(0).waitSeconds()).isEqualTo(30L);
        List<DialogRow> missed = reports.dialogs(filter("period", "line", List.of("lab140")), DialogFigure.MISSED, 100)
                .block(Duration.ofSeconds(30))
                .rows();
        assertThat(missed).extracting(DialogRow::outcome).containsExactly("MISSED");
    }

    @Test
    void refusesAPeriodLongerThanTheLimitOrBackwards() {
        assertThatThrownBy(() -> ReportFilter.of(FROM, FROM.plusDays(366), null, null, null, null, null, null, 366))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 366 days");
        assertThatThrownBy(() -> ReportFilter.of(TO, FROM, null, null, null, null, null, null, 366))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReportFilter.of(FROM, TO, "hour", null, null, null, null, null, 366))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step");
    }

    private DialogFigures one(ReportFilter filter) {
        List<DialogFigures> rows = reports.dialogFigures(filter).collectList().block(Duration.ofSeconds(30));
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private Map<String, DeadlineFigures> deadlines(List<String> lines) {
        return reports.deadlineFigures(filter("period", "line", lines))
                .collectMap(DeadlineFigures::rule, Function.identity())
                .block(Duration.ofSeconds(30));
    }
}
