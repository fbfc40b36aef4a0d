package ru.rosdistant.gateway.report;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

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

/** The live figures of line lab323 as Prometheus histograms with the service-level buckets, scraped. */
@GatewayTest
class LiveMetricsTests {

    private static final String LINE = "lab323";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void aDialogsWaitFirstResponseAndHandleTimeLandInTheLinesHistogramBuckets() {
        Agent agent = Staff.agent(agents, LINE, 1);
        String supervisor = Staff.login(port, Staff.agent(agents, LINE, 5, Role.SUPERVISOR).login(), Staff.PASSWORD);
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, LINE, "https://lab323.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned " + dialogId);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "m1", "text", "Здравствуйте"));
            console.awaitType("ack");
            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            Checks.eventually(() -> "CLOSED".equals(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '"
                    + dialogId + "'")) ? dialogId : null, "the close of " + dialogId);

            String scraped = Checks.eventually(() -> {
                String text = Checks.prometheus(port, supervisor);
                return count(text, "gateway_dialog_handle_seconds_count") >= 1 ? text : null;
            }, "the handle time of " + dialogId);
            for (String histogram : new String[] {"gateway_dialog_wait_seconds", "gateway_dialog_first_response_seconds",
                    "gateway_dialog_handle_seconds"}) {
                assertThat(count(scraped, histogram + "_count")).as(histogram).isEqualTo(1);
                // answered within seconds: in the 10 s bucket and every one above it
                assertThat(count(scraped, histogram + "_bucket\\{[^}]*le=\"10\\.0\"")).as(histogram + " ≤ 10 s")
                        .isEqualTo(1);
                assertThat(count(scraped, histogram + "_bucket\\{[^}]*le=\"300\\.0\"")).as(histogram + " ≤ 5 min")
                        .isEqualTo(1);
                assertThat(count(scraped, histogram + "_bucket\\{[^}]*le=\"\\+Inf\"")).as(histogram + " +Inf")
                        .isEqualTo(1);
            }
            // the Grafana dashboard charts only series the gateway exports
            Matcher used = Pattern.compile("gateway_[a-z_]+").matcher(dashboard());
            while (used.find()) {
                assertThat(scraped).as("docs/grafana charts " + used.group()).contains(used.group());
            }
        }
    }

    private static String dashboard() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("docs/grafana/contact-gateway.json"));
        }
        catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The value of the series of this line whose name (a regular expression) matches; -1 when there is none. */
    private static long count(String scraped, String series) {
        String ofThisLine = series.contains("{") ? series.replace("\\{", "\\{(?=[^}]*line=\"" + LINE + "\")")
                : series + "\\{[^}]*line=\"" + LINE + "\"";
        return (long) Checks.series(scraped, ofThisLine).orElse(-1);
    }
}
