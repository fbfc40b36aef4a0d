package ru.rosdistant.gateway.report;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** The REST door of the reports: who sees what, the limits, the problem answers, and the CSV files. */
@GatewayTest
class ReportApiTests {

    static final String PERIOD = "from=2026-05-04&to=2026-05-15";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    TransactionalOperator tx;

    @Autowired
    ConnectionFactory connections;

    @Autowired
    ReportClock clock;

    @Autowired
    ReportProperties properties;

    @Autowired
    ReportQueries queries;

    @Autowired
    ReportConnections reportConnections;

    WebTestClient client;

    String supervisor;

    @BeforeEach
    void setUp() {
        ReportFiguresTests.load(db);
        clock.set(ReportFiguresTests.LATER);
        client = Checks.http(port);
        Agent lab140 = Staff.agent(agents, "lab140", 2, Role.SUPERVISOR);
        supervisor = Staff.login(port, lab140.login(), Staff.PASSWORD);
    }

    @AfterEach
    void systemClock() {
        clock.set(Clock.systemUTC());
    }

    @Test
    void aSupervisorSeesTheFiguresOfTheirLines() {
        client.get()
                .uri("/api/reports/dialogs/figures?" + PERIOD + "&step=period&by=line")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rows.length()")
                .isEqualTo(1)
                .jsonPath("$.rows[0].key")
                .isEqualTo("lab140")
                .jsonPath("$.rows[0].offered")
                .isEqualTo(7)
                .jsonPath("$.rows[0].ratedShare")
                .isEqualTo(0.6)
                .jsonPath("$.zone")
                .isEqualTo("Europe/Samara");
    }

    @Test
    void aSupervisorAskingForAnotherLineIsRefused() {
        client.get()
                .uri("/api/reports/dialogs/figures?" + PERIOD + "&line=lab141")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.detail")
                .isEqualTo("Not one of your lines: lab141");
    }

    @Test
    void anAdminSeesEveryLine() {
        client.get()
                .uri("/api/reports/dialogs/figures?" + PERIOD + "&step=period&by=line&line=lab140&line=lab141")
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rows.length()")
                .isEqualTo(2);
    }

    @Test
    void anAgentAndAStrangerGetNoReports() {
        Agent agent = Staff.agent(agents, "lab140", 2);
        client.get()
                .uri("/api/reports/dialogs/figures?" + PERIOD)
                .header(HttpHeaders.COOKIE, Staff.login(port, agent.login(), Staff.PASSWORD))
                .exchange()
                .expectStatus()
                .isForbidden();
        client.get().uri("/api/reports/dialogs/figures?" + PERIOD).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void badInputIsAProblemNotAnError() {
        for (String query : new String[] {"from=2026-05-04", "from=yesterday&to=2026-05-15",
                "from=2025-01-01&to=2026-05-15", "from=2026-05-15&to=2026-05-04", PERIOD + "&step=hour",
                PERIOD + "&by=colour", PERIOD + "&channel=FAX"}) {
            client.get()
                    .uri("/api/reports/dialogs/figures?" + query)
                    .header(HttpHeaders.COOKIE, supervisor)
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectHeader()
                    .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        }
        // a limit past the bounds is clamped like every list's (docs/protocol.md, Lists), one that is no number is 400
        client.get().uri("/api/reports/dialogs?" + PERIOD + "&limit=0").header(HttpHeaders.COOKIE, supervisor)
                .exchange().expectStatus().isOk().expectHeader().valueEquals("X-Limit", "1");
        client.get().uri("/api/reports/dialogs?" + PERIOD + "&limit=100001").header(HttpHeaders.COOKIE, supervisor)
                .exchange().expectStatus().isOk().expectHeader().valueEquals("X-Limit", String.valueOf(properties.maxRows()));
        for (String query : new String[] {PERIOD + "&limit=many", PERIOD + "&figure=nope"}) {
            client.get()
                    .uri("/api/reports/dialogs?" + query)
                    .header(HttpHeaders.COOKIE, supervisor)
                    .exchange()
                    .expectStatus()
                    .isBadRequest();
        }
        client.get()
                .uri("/api/reports/deadlines?" + PERIOD + "&rule=lunch")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void aListLongerThanItsLimitSaysItWasCut() {
        client.get()
                .uri("/api/reports/dialogs?" + PERIOD + "&figure=answered&limit=2")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rows.length()")
                .isEqualTo(2)
                .jsonPath("$.truncated")
                .isEqualTo(true);
        client.get()
                .uri("/api/reports/deadlines?" + PERIOD + "&rule=classification&status=missed")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rows.length()")
                .isEqualTo(3)
                .jsonPath("$.truncated")
                .isEqualTo(false);
    }

    @Test
    void exportsTheDialogsAsCsvThatExcelOpens() {
        byte[] body = client.get()
                .uri("/api/reports/dialogs.csv?" + PERIOD + "&figure=rated")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentTypeCompatibleWith("text/csv")
                .expectHeader()
                .valueMatches(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"dialogs-rated-2026-05-04-2026-05-15.csv\"")
                .expectBody()
                .returnResult()
                .getResponseBody();
        assertThat(body).startsWith(0xEF, 0xBB, 0xBF);
        String[] lines = new String(body, 3, body.length - 3, StandardCharsets.UTF_8).split("\r\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).startsWith("dialogId,offeredLine,line,site,channel,agent,outcome,queuedAt,");
        assertThat(lines[1]).startsWith("00000140-0000-0000-0000-0000000000d1,lab140,lab140,lab140,WIDGET,Анна Lab140,"
                + "ANSWERED,2026-05-04 10:00:00,2026-05-04 10:00:30,")
                .contains(",5,\"Спасибо, \"\"отлично\"\"; всё ясно\",CONSULTATION,");
    }

    @Test
    void aCsvCutAtItsLimitSaysSoInItsHeaders() {
        byte[] body = client.get()
                .uri("/api/reports/dialogs.csv?" + PERIOD + "&figure=rated&limit=2")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals("X-Report-Truncated", "true")
                .expectHeader()
                .valueMatches(HttpHeaders.CACHE_CONTROL, ".*no-store.*")
                .expectBody()
                .returnResult()
                .getResponseBody();
        String[] lines = new String(body, 3, body.length - 3, StandardCharsets.UTF_8).split("\r\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[1]).startsWith("00000140-0000-0000-0000-0000000000d1,");
        client.get()
                .uri("/api/reports/dialogs.csv?" + PERIOD + "&figure=rated&limit=3")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectHeader()
                .valueEquals("X-Report-Truncated", "false");
    }

    @Test
    void aListCancelledAfterItsFirstRowEndsItsQuery() {
        // 3,000 rows of 1 KiB, 2 ms each: 6 s in PostgreSQL unless its connection closes
        String marker = "csv-cancel-" + System.nanoTime();
        queries.list("SELECT g, pg_sleep(0.002)::text AS s, repeat('x', 1000) AS pad, '" + marker + "' AS m "
                        + "FROM generate_series(1, 3000) g", new java.util.HashMap<>(),
                        row -> row.get(0, Integer.class))
                .take(1)
                .as(StepVerifier::create)
                .expectNext(1)
                .verifyComplete();
        long started = System.nanoTime();
        Checks.eventually(() -> db.sql("SELECT count(*) AS n FROM pg_stat_activity "
                        + "WHERE query LIKE '%' || :marker || '%' AND pid <> pg_backend_pid()")
                .bind("marker", marker)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(5)) == 0 ? true : null, "no session running or holding the cancelled list");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("well before the query's own 6 s")
                .isLessThan(Duration.ofSeconds(5));
        Checks.eventually(() -> reportConnections.inUse() == 0 ? true : null, "the reports' pool to have none in use");
        assertThat(queries.list("SELECT count(*) AS n FROM generate_series(1, 10)", new java.util.HashMap<>(),
                        row -> row.get(0, Long.class))
                .blockLast(Duration.ofSeconds(10))).as("the reports' pool still answers").isEqualTo(10L);
    }

    @Test
    void exportsTheFiguresWithTheDelimiterAsked() {
        String csv = client.get()
                .uri("/api/reports/deadlines/figures.csv?" + PERIOD + "&step=period&delimiter=semicolon")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(csv).contains("rule;key;label;bucket;total;kept;missed;pending;escalations")
                .contains("CLASSIFICATION;lab140;lab140;2026-05-04;5;2;3;0;0")
                .contains("TASK;lab140;lab140;2026-05-04;2;1;1;0;1");
    }

    @Test
    void answersEveryReportAsJsonAndAsCsvFromOneQuery() {
        for (String path : List.of("dialogs/figures", "dialogs/waits", "dialogs", "deadlines/figures", "deadlines",
                "agents", "offline-forms")) {
            client.get()
                    .uri("/api/reports/" + path + "?" + PERIOD + "&step=period")
                    .header(HttpHeaders.COOKIE, supervisor)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.from")
                    .isEqualTo("2026-05-04")
                    .jsonPath("$.zone")
                    .isEqualTo("Europe/Samara")
                    .jsonPath("$.rows")
                    .isArray()
                    .jsonPath("$.truncated")
                    .isEqualTo(false);
            String csv = client.get()
                    .uri("/api/reports/" + path + ".csv?" + PERIOD + "&step=period&delimiter=tab")
                    .header(HttpHeaders.COOKIE, supervisor)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .contentTypeCompatibleWith("text/csv")
                    .expectHeader()
                    .valueEquals("X-Report-Truncated", "false")
                    .expectBody(String.class)
                    .returnResult()
                    .getResponseBody();
            assertThat(csv).as(path).startsWith("\uFEFF").contains("\t").contains("\r\n");
        }
        client.get()
                .uri("/api/reports/dialogs/waits.csv?" + PERIOD + "&delimiter=pipe")
                .header(HttpHeaders.COOKIE, supervisor)
                .exchange()
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void aReportPastItsTimeoutAnswersItsOwnProblemBeforeTheRequestBoundDoes() {
        // a statement_timeout counts the wait for a lock too: the offline-forms report waits for this one
        Connection locker = Mono.from(connections.create()).block(Duration.ofSeconds(10));
        try {
            Mono.from(locker.beginTransaction()).block(Duration.ofSeconds(10));
            Flux.from(locker.createStatement("LOCK TABLE offline_form IN ACCESS EXCLUSIVE MODE").execute())
                    .flatMap(Result::getRowsUpdated)
                    .then()
                    .block(Duration.ofSeconds(10));
            client.mutate()
                    .responseTimeout(Duration.ofSeconds(60))
                    .build()
                    .get()
                    .uri("/api/reports/offline-forms?" + PERIOD)
                    .header(HttpHeaders.COOKIE, supervisor)
                    .exchange()
                    .expectStatus()
                    .isEqualTo(503)
                    .expectBody()
                    .jsonPath("$.detail")
                    .isEqualTo("The report took too long; choose a shorter period or fewer lines");
            // a CSV sends nothing before its first row: its timeout is a problem answer too, not a cut-off file
            client.mutate()
                    .responseTimeout(Duration.ofSeconds(60))
                    .build()
                    .get()
                    .uri("/api/reports/offline-forms.csv?" + PERIOD)
                    .header(HttpHeaders.COOKIE, supervisor)
                    .exchange()
                    .expectStatus()
                    .isEqualTo(503)
                    .expectHeader()
                    .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader()
                    .doesNotExist(HttpHeaders.CONTENT_DISPOSITION)
                    .expectBody()
                    .jsonPath("$.detail")
                    .isEqualTo("The report took too long; choose a shorter period or fewer lines");
        }
        finally {
            Mono.from(locker.rollbackTransaction()).block(Duration.ofSeconds(10));
            Mono.from(locker.close()).block(Duration.ofSeconds(10));
        }
    }

    @Test
    void theReportTimeoutStaysShortOfTheRequestBound() {
        assertThat(ReportQueries.queryTimeout(Duration.ofSeconds(20), Duration.ofSeconds(15)))
                .isEqualTo(Duration.ofSeconds(12));
        assertThat(ReportQueries.queryTimeout(Duration.ofSeconds(10), Duration.ofSeconds(15)))
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(ReportQueries.queryTimeout(Duration.ofSeconds(20), Duration.ZERO)).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aQueryPastTheTimeoutIsCancelledByTheDatabase() {
        ReportQueries slow = new ReportQueries(db, tx, new ReportProperties(ZoneId.of("Europe/Samara"), 366, 100,
                Duration.ofMillis(200), Duration.ofMinutes(1),
                new ReportProperties.Concurrency(2, 1, Duration.ofSeconds(2), 8, Duration.ofSeconds(5))));
        slow.query("SELECT pg_sleep(5) AS slept", new java.util.HashMap<>(), row -> "slept")
                .as(StepVerifier::create)
                .expectErrorMatches(ReportTimeoutException::cancelled)
                .verify(Duration.ofSeconds(4));
    }
}
