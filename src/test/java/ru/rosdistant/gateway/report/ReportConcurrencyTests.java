package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bound on reports running at once (gateway.report.concurrency: 2 on the node, 1 per user, a 2 s wait): a report
 * beyond it is refused with a problem that says why and when to ask again, and the chat path, whose connections the
 * reports do not share, goes on meanwhile. The
 * reports are made slow by locking the table the offline-forms report reads. Line and site lab641.
 */
@GatewayTest
class ReportConcurrencyTests {

    private static final String SLOW = "/api/reports/offline-forms?from=2026-05-04&to=2026-05-15";

    private static final String FAST = "/api/reports/dialogs/figures?from=2026-05-04&to=2026-05-15&line=lab641";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    ConnectionFactory connections;

    @Autowired
    ReportSlots slots;

    @Autowired
    ReportConnections reportConnections;

    Connection locker;

    String anna;

    String boris;

    String vera;

    @BeforeEach
    void lockOfflineForms() {
        anna = supervisor();
        boris = supervisor();
        vera = supervisor();
        locker = Mono.from(connections.create()).block(Duration.ofSeconds(10));
        Mono.from(locker.beginTransaction()).block(Duration.ofSeconds(10));
        Flux.from(locker.createStatement("LOCK TABLE offline_form IN ACCESS EXCLUSIVE MODE").execute())
                .flatMap(Result::getRowsUpdated)
                .then()
                .block(Duration.ofSeconds(10));
    }

    @AfterEach
    void unlock() {
        if (locker != null) {
            Mono.from(locker.rollbackTransaction()).block(Duration.ofSeconds(10));
            Mono.from(locker.close()).block(Duration.ofSeconds(10));
            locker = null;
        }
    }

    @Test
    void aReportBeyondTheNodesLimitIsRefusedWhileVisitorsMessagesAreStoredAndAcknowledged() throws Exception {
        CompletableFuture<Integer> first = status(anna, SLOW);
        CompletableFuture<Integer> second = status(boris, SLOW);
        Checks.eventually(() -> slots.running() == 2 ? true : null, "two reports running");
        Checks.eventually(() -> reportConnections.inUse() == 2 ? true : null,
                "the two reports on two connections of the reports' own pool");

        long asked = System.nanoTime();
        CompletableFuture<Map<String, Object>> third = refusal(vera, SLOW);
        long acked = visitorMessageAcknowledged();
        Map<String, Object> refused = third.get(20, TimeUnit.SECONDS);
        long waited = Duration.ofNanos(System.nanoTime() - asked).toMillis();

        assertThat(refused).containsEntry("status", 503).containsEntry("retryAfter", "5");
        assertThat((String) refused.get("detail")).contains("The reports are busy (2 running at once)");
        assertThat(waited).as("the refusal after its wait of 2 s, ms").isBetween(1_900L, 8_000L);
        assertThat(acked).as("the visitor's message acknowledged while two reports ran, ms").isLessThan(3_000L);
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();

        unlock();
        assertThat(first.get(30, TimeUnit.SECONDS)).isIn(200, 503);
        assertThat(second.get(30, TimeUnit.SECONDS)).isIn(200, 503);
        Checks.eventually(() -> slots.running() == 0 ? true : null, "the places given back");
        assertThat(status(vera, SLOW).get(30, TimeUnit.SECONDS)).isEqualTo(200);
    }

    @Test
    void aUsersSecondReportIsRefusedWhileAnotherUsersRuns() throws Exception {
        CompletableFuture<Integer> first = status(anna, SLOW);
        Checks.eventually(() -> slots.running() == 1 ? true : null, "anna's report running");

        Map<String, Object> refused = refusal(anna, SLOW).get(20, TimeUnit.SECONDS);
        assertThat(refused).containsEntry("status", 429).containsEntry("retryAfter", "5");
        assertThat((String) refused.get("detail")).contains("You already have 1 report(s) running");
        assertThat(status(boris, FAST).get(20, TimeUnit.SECONDS)).as("boris's report meanwhile").isEqualTo(200);
        assertThat(first).isNotDone();

        unlock();
        assertThat(first.get(30, TimeUnit.SECONDS)).isIn(200, 503);
    }

    private String supervisor() {
        return Staff.login(port, Staff.agent(agents, "lab641", 2, Role.SUPERVISOR).login(), Staff.PASSWORD);
    }

    /** Milliseconds from a visitor's message to its ack. */
    private long visitorMessageAcknowledged() {
        try (WsClient visitor = WsClient.visitor(port, "lab641", "https://lab641.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            long sent = System.nanoTime();
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "lab641-1", "text",
                    "Здравствуйте"));
            assertThat(visitor.awaitType("ack").path("seq").asLong()).isPositive();
            return Duration.ofNanos(System.nanoTime() - sent).toMillis();
        }
    }

    private WebClient client() {
        return WebClient.create("http://localhost:" + port);
    }

    private CompletableFuture<Integer> status(String cookie, String uri) {
        return client().get()
                .uri(uri)
                .header(HttpHeaders.COOKIE, cookie)
                .exchangeToMono(response -> response.releaseBody()
                        .thenReturn(response.statusCode().value()))
                .timeout(Duration.ofSeconds(60))
                .toFuture();
    }

    /** The status, Retry-After and problem detail of a refused report. */
    private CompletableFuture<Map<String, Object>> refusal(String cookie, String uri) {
        return client().get()
                .uri(uri)
                .header(HttpHeaders.COOKIE, cookie)
                .exchangeToMono(response -> response.bodyToMono(Map.class)
                        .map(body -> Map.<String, Object>of("status", response.statusCode().value(), "retryAfter",
                                String.valueOf(response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER)),
                                "detail", String.valueOf(body.get("detail")))))
                .timeout(Duration.ofSeconds(60))
                .toFuture();
    }
}
