package ru.rosdistant.gateway.console;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's dialog list (issue 17): who, which channel, the last line, waiting since, unread; hand-offs leave it. */
@GatewayTest
class InboxTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void theListSaysWhoWroteWhereWhatAndSinceWhenTheyWait() {
        Agent agent = Staff.agent(agents, "lab100", 5);
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, "lab100", "https://lab100.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-1", "text",
                    "  Здравствуйте!  \nКак поступить на заочное?"));
            Instant asked = Instant.parse(visitor.awaitType("ack").path("at").asString());
            console.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog assigned");

            JsonNode listed = listed(agent, dialogId);
            assertThat(listed.path("title").asString()).matches("Lab 100 · №\\d{4}");
            assertThat(listed.path("channelName").asString()).isEqualTo("Виджет · Lab 100");
            assertThat(listed.path("preview").asString()).isEqualTo("Здравствуйте!");
            assertThat(Instant.parse(listed.path("waitingSince").asString())).isEqualTo(asked);
            assertThat(listed.path("unread").asLong()).isEqualTo(1);
            assertThat(listed.path("needsAppealType").asBoolean()).isFalse();

            console.send(Map.of("type", "read", "dialogId", dialogId, "seq", 100));
            JsonNode read = console.await(frame -> frame.path("type").asString().equals("read"), "read");
            assertThat(read.path("unread").asLong()).isZero();
            assertThat(read.path("seq").asLong()).as("a read mark goes no further than the dialog")
                    .isLessThan(100);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a-1", "text",
                    "Добрый день! Подскажу."));
            console.awaitType("ack");
            listed = listed(agent, dialogId);
            assertThat(listed.path("waitingSince").isNull()).as("the agent spoke last").isTrue();
            assertThat(listed.path("preview").asString()).isEqualTo("Добрый день! Подскажу.");
            assertThat(listed.path("unread").asLong()).isZero();

            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-2", "text", "Спасибо"));
            Instant again = Instant.parse(visitor.awaitType("ack").path("at").asString());
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-3", "text", "А сроки?"));
            visitor.awaitType("ack");
            listed = listed(agent, dialogId);
            assertThat(Instant.parse(listed.path("waitingSince").asString()))
                    .as("the oldest unanswered message").isEqualTo(again);
            assertThat(listed.path("unread").asLong()).isEqualTo(2);
            assertThat(listed.path("preview").asString()).isEqualTo("А сроки?");
        }
    }

    @Test
    void theLongestWaitingPersonComesFirst() {
        Agent agent = Staff.agent(agents, "lab100", 5);
        try (WsClient console = Staff.online(port, agent);
                WsClient first = WsClient.visitor(port, "lab100", "https://lab100.test");
                WsClient second = WsClient.visitor(port, "lab100", "https://lab100.test")) {
            String answered = AgentSocketTests.openDialog(first);
            first.send(Map.of("type", "message", "dialogId", answered, "clientMsgId", "f-1", "text", "Первый"));
            first.awaitType("ack");
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(answered), "first");
            String waiting = AgentSocketTests.openDialog(second);
            second.send(Map.of("type", "message", "dialogId", waiting, "clientMsgId", "s-1", "text", "Второй"));
            second.awaitType("ack");
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(waiting), "second");
            console.send(Map.of("type", "message", "dialogId", answered, "clientMsgId", "a-1", "text", "Отвечаю"));
            console.awaitType("ack");

            List<String> order = new ArrayList<>();
            try (WsClient again = Staff.console(port, agent)) {
                again.seen()
                        .stream()
                        .filter(frame -> frame.path("type").asString().equals("welcome"))
                        .findFirst()
                        .orElseThrow()
                        .path("dialogs")
                        .forEach(dialog -> order.add(dialog.path("dialogId").asString()));
            }
            assertThat(order).containsSubsequence(waiting, answered);
        }
    }

    @Test
    void aForwardedDialogLeavesTheSendersListAtOnce() {
        Agent sender = Staff.agent(agents, "lab101", 5);
        Agent colleague = Staff.agent(agents, "lab101", 5);
        Agent supervisor = Staff.agent(agents, "lab101", 5, Role.SUPERVISOR);
        try (WsClient senderConsole = Staff.online(port, sender);
                WsClient colleagueConsole = Staff.console(port, colleague);
                WsClient supervisorConsole = Staff.console(port, supervisor);
                WsClient visitor = WsClient.visitor(port, "lab101", "https://lab101.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-1", "text", "Вопрос"));
            senderConsole.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog assigned");
            senderConsole.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            senderConsole.awaitType("resumed");

            senderConsole.send(Map.of("type", "forward", "dialogId", dialogId, "toAgentId", colleague.id()));
            JsonNode left = senderConsole.await(frame -> frame.path("type").asString().equals("dialog_left"),
                    "dialog_left");
            assertThat(left.path("dialogId").asString()).isEqualTo(dialogId);
            assertThat(left.path("reason").asString()).isEqualTo("forwarded");
            assertThat(left.path("agentName").asString()).isEqualTo(colleague.displayName());
            colleagueConsole.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("agentId").asLong() == colleague.id(), "the dialog received");
            assertThat(welcomeDialogs(sender)).doesNotContain(dialogId);

            colleagueConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "c-1", "text",
                    "Здравствуйте"));
            colleagueConsole.awaitType("ack");
            assertThat(senderConsole.drain(java.time.Duration.ofMillis(500)))
                    .as("the sender no longer hears the dialog")
                    .noneMatch(frame -> frame.path("type").asString().equals("message"));

            supervisorConsole.send(Map.of("type", "take_over", "dialogId", dialogId));
            JsonNode takenOver = colleagueConsole.await(frame -> frame.path("type").asString().equals("dialog_left"),
                    "dialog_left");
            assertThat(takenOver.path("reason").asString()).isEqualTo("taken_over");
            assertThat(takenOver.path("agentName").asString()).isEqualTo(supervisor.displayName());

            supervisorConsole.send(Map.of("type", "forward", "dialogId", dialogId, "toLine", "lab102"));
            JsonNode toLine = supervisorConsole.await(frame -> frame.path("type").asString().equals("dialog_left"),
                    "dialog_left");
            assertThat(toLine.path("reason").asString()).isEqualTo("forwarded");
            assertThat(toLine.path("line").asString()).isEqualTo("lab102");
            assertThat(toLine.path("lineName").asString()).isEqualTo("Lab line 102");
        }
    }

    @Test
    void aDialogTriagedAsSpamLeavesTheListAndAsksForNoAppealType() {
        Agent dispatcher = Staff.agent(agents, "dispatcher", 10, Role.DISPATCHER);
        try (WsClient console = Staff.online(port, dispatcher);
                WsClient spammer = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            String dialogId = AgentSocketTests.openDialog(spammer);
            spammer.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "s-1", "text", "Купите"));
            console.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog assigned");
            console.send(Map.of("type", "triage", "dialogId", dialogId, "outcome", "spam"));
            JsonNode left = console.await(frame -> frame.path("type").asString().equals("dialog_left"), "dialog_left");
            assertThat(left.path("reason").asString()).isEqualTo("spam");
            assertThat(welcomeDialogs(dispatcher)).as("no appeal type is asked for").doesNotContain(dialogId);
        }
    }

    /** The dialog as a new console of the agent lists it. */
    private JsonNode listed(Agent agent, String dialogId) {
        try (WsClient console = Staff.console(port, agent)) {
            for (JsonNode dialog : welcome(console).path("dialogs")) {
                if (dialog.path("dialogId").asString().equals(dialogId)) {
                    return dialog;
                }
            }
        }
        throw new AssertionError("dialog " + dialogId + " not in the agent's list");
    }

    private List<String> welcomeDialogs(Agent agent) {
        List<String> ids = new ArrayList<>();
        try (WsClient console = Staff.console(port, agent)) {
            welcome(console).path("dialogs").forEach(dialog -> ids.add(dialog.path("dialogId").asString()));
        }
        return ids;
    }

    private static JsonNode welcome(WsClient console) {
        return console.seen()
                .stream()
                .filter(frame -> frame.path("type").asString().equals("welcome"))
                .findFirst()
                .orElseThrow();
    }
}
