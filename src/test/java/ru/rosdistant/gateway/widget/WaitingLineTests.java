package ru.rosdistant.gateway.widget;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The waiting line holds the dialogs of visitors who asked something: a dialog joins it with the visitor's first
 * message, and leaves it, closed as abandoned, when its visitor has had no socket for a while (3 s in the test
 * profile). Lines lab91 and lab92 have no agents, so their dialogs wait.
 */
@GatewayTest
class WaitingLineTests {

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Test
    void anOpenWithoutAMessageTakesNobodysPlaceInTheLine() {
        try (WsClient first = visitor("lab91"); WsClient idle = visitor("lab91"); WsClient third = visitor("lab91")) {
            String firstDialog = openAndAsk(first);
            toldPosition(first, firstDialog, 1);
            String idleDialog = open(idle);
            String thirdDialog = openAndAsk(third);
            // the idle dialog is not ahead of the third
            toldPosition(third, thirdDialog, 2);
            assertThat(idle.drain(Duration.ofMillis(1500)))
                    .noneMatch(frame -> frame.path("type").asString().equals("queue"));
            assertThat(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '" + idleDialog + "'"))
                    .isEqualTo("WAITING");

            // its first message puts it in the line, behind those who asked before
            ask(idle, idleDialog);
            toldPosition(idle, idleDialog, 3);
        }
    }

    @Test
    void aWaitingDialogWhoseVisitorLeftIsClosedAsAbandonedAndOneStillConnectedIsNot() {
        try (WsClient staying = visitor("lab92"); WsClient silent = visitor("lab92")) {
            String leftDialog;
            String stayingDialog;
            try (WsClient leaving = visitor("lab92")) {
                leftDialog = openAndAsk(leaving);
                toldPosition(leaving, leftDialog, 1);
                stayingDialog = openAndAsk(staying);
                toldPosition(staying, stayingDialog, 2);
            }
            String silentDialog = open(silent);

            String reason = Checks.eventually(() -> Checks.text(db,
                    "SELECT close_reason AS v FROM dialog WHERE id = '" + leftDialog + "' AND state = 'CLOSED'"),
                    "the dialog closed as abandoned");
            assertThat(reason).isEqualTo("ABANDONED");
            assertThat(Checks.text(db, "SELECT closed_by AS v FROM dialog WHERE id = '" + leftDialog + "'"))
                    .isEqualTo("SYSTEM");
            // it left the line: the one behind it moves up
            toldPosition(staying, stayingDialog, 1);

            // those still connected, past the same time, are left alone
            staying.drain(Duration.ofSeconds(4));
            assertThat(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '" + stayingDialog + "'"))
                    .isEqualTo("WAITING");
            assertThat(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '" + silentDialog + "'"))
                    .isEqualTo("WAITING");
            assertThat(staying.seen()).noneMatch(frame -> "closed".equals(frame.path("event").asString()));
        }
    }

    private WsClient visitor(String site) {
        WsClient visitor = WsClient.visitor(port, site, "https://" + site + ".test");
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        return visitor;
    }

    private static String open(WsClient visitor) {
        visitor.send("{\"type\":\"open\"}");
        return visitor.awaitType("opened").path("dialog").path("dialogId").asString();
    }

    private static String openAndAsk(WsClient visitor) {
        String dialogId = open(visitor);
        ask(visitor, dialogId);
        return dialogId;
    }

    private static void ask(WsClient visitor, String dialogId) {
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-" + System.nanoTime(),
                "text", "Как поступить?"));
        visitor.awaitType("ack");
    }

    /**
     * Waits until the dialog is told this place in the line (the frame may have come while the test waited for
     * another one); a place never told fails on the timeout.
     */
    private static void toldPosition(WsClient visitor, String dialogId, int expected) {
        visitor.awaitSeenOrNext(frame -> frame.path("type").asString().equals("queue")
                && frame.path("dialogId").asString().equals(dialogId) && frame.path("position").asInt() == expected,
                "place " + expected + " in the line for " + dialogId);
    }
}
