package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The series Grafana charts besides the wait histograms, scraped from /actuator/prometheus: the latency of people's
 * messages per channel, and the regulation's deadlines missed per rule and line. Lines lab540 and lab541.
 */
@GatewayTest
class MonitoringSeriesTests {

    private static final String LATENCY = "gateway_message_latency_seconds_count\\{";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    DeadlineMetrics deadlines;

    @Test
    void aVisitorsAndAnAgentsMessagesAreTimedUntilTheirAckPerChannel() {
        Agent agent = Staff.agent(agents, "lab540", 1);
        String supervisor = Staff.login(port, Staff.agent(agents, "lab540", 5, Role.SUPERVISOR).login(),
                Staff.PASSWORD);
        long widgetBefore = value(Checks.prometheus(port, supervisor), LATENCY + "(?=[^}]*channel=\"WIDGET\")");
        long consoleBefore = value(Checks.prometheus(port, supervisor), LATENCY + "(?=[^}]*channel=\"CONSOLE\")");
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, "lab540", "https://lab540.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned " + dialogId);
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "v1", "text", "Вопрос"));
            visitor.awaitType("ack");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a1", "text", "Ответ"));
            console.awaitType("ack");
            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            visitor.await(frame -> "closed".equals(frame.path("event").asString()), "the closed event");
        }
        String scraped = Checks.prometheus(port, supervisor);
        assertThat(value(scraped, LATENCY + "(?=[^}]*channel=\"WIDGET\")"))
                .isGreaterThanOrEqualTo(widgetBefore + 1);
        assertThat(value(scraped, LATENCY + "(?=[^}]*channel=\"CONSOLE\")"))
                .isGreaterThanOrEqualTo(consoleBefore + 1);
        // the chat's buckets, so that Grafana reads p99 from them
        assertThat(scraped).containsPattern("gateway_message_latency_seconds_bucket\\{[^}]*le=\"0\\.1\"");
    }

    @Test
    void aClassificationThatFellDueUndoneIsCountedOnceOnItsLine() {
        Agent agent = Staff.agent(agents, "lab541", 1);
        String supervisor = Staff.login(port, Staff.agent(agents, "lab541", 5, Role.SUPERVISOR).login(),
                Staff.PASSWORD);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // closed ten days ago: its classification fell due days ago (the first working day after); one never
        // classified, one classified within the hour
        fixture(agent.id(), now.minus(Duration.ofDays(10)));
        String missed = "gateway_deadlines_missed_total\\{(?=[^}]*line=\"lab541\")(?=[^}]*rule=\"CLASSIFICATION\")";

        deadlines.count(now.minus(Duration.ofDays(20)), now)
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(value(Checks.prometheus(port, supervisor), missed)).isEqualTo(1);
        // the next window does not count it again
        deadlines.count(now, now.plusSeconds(60))
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(value(Checks.prometheus(port, supervisor), missed)).isEqualTo(1);
    }

    private void fixture(long agentId, Instant closed) {
        db.sql("""
                        DELETE FROM message WHERE dialog_id::text LIKE '00000541-%';
                        DELETE FROM dialog WHERE id::text LIKE '00000541-%';
                        DELETE FROM visitor WHERE id::text LIKE '00000541-%';
                        INSERT INTO visitor (id, site_id, token_hash, name)
                        VALUES ('00000541-0000-0000-0000-00000000f001', 'lab541', decode(md5('lab541'), 'hex'), 'Lab541')""")
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        db.sql("""
                        INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, agent_id, last_seq,
                                            opened_at, queued_at, assigned_at, closed_at, closed_by, appeal_type,
                                            classified_at)
                        SELECT ('00000541-0000-0000-0000-0000000000d' || n)::uuid,
                               '00000541-0000-0000-0000-00000000f001',
                               'lab541', 'lab541', 'WIDGET', 'CLOSED', :agent, 0, :closed - interval '10 minutes',
                               :closed - interval '10 minutes', :closed - interval '9 minutes', :closed, 'AGENT',
                               CASE WHEN n = 2 THEN 'CONSULTATION' END,
                               CASE WHEN n = 2 THEN :closed + interval '1 hour' END
                        FROM generate_series(1, 2) n""")
                .bind("agent", agentId)
                .bind("closed", closed.atOffset(java.time.ZoneOffset.UTC))
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    /** The value of the first series that starts so (a regular expression); 0 when there is none yet. */
    private static long value(String scraped, String series) {
        return (long) Checks.series(scraped, series).orElse(0);
    }
}
