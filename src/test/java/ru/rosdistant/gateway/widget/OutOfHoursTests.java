package ru.rosdistant.gateway.widget;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Line lab22 works one minute a day in the test profile (gateway.calendar.lines.lab22). */
@GatewayTest
class OutOfHoursTests {

    @LocalServerPort
    int port;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void outsideWorkingHoursTheWidgetIsOfferedTheOfflineFormAtOnce() {
        assumeThat(calendar.isOpen("lab22", Instant.now())).as("not in lab22's one working minute").isFalse();
        try (WsClient visitor = WsClient.visitor(port, "lab22", "https://lab22.test")) {
            visitor.send("{\"type\":\"hello\"}");
            JsonNode welcome = visitor.awaitType("welcome");
            assertThat(welcome.path("line").path("open").asBoolean()).isFalse();
            assertThat(welcome.path("line").path("nextOpening").asString()).isNotBlank();
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            JsonNode offered = visitor.awaitMessage(dialogId, 2);
            assertThat(offered.path("event").asString()).isEqualTo("offline_offered");
            assertThat(offered.path("reason").asString()).isEqualTo("hours");
        }
    }

    @Test
    void insideWorkingHoursNothingIsOffered() {
        try (WsClient visitor = WsClient.visitor(port, "lab23", "https://lab23.test")) {
            visitor.send("{\"type\":\"hello\"}");
            assertThat(visitor.awaitType("welcome").path("line").path("open").asBoolean()).isTrue();
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            visitor.awaitMessage(dialogId, 1);
            assertThat(visitor.drain(java.time.Duration.ofMillis(700)))
                    .noneMatch(frame -> "offline_offered".equals(frame.path("event").asString()));
        }
    }
}
