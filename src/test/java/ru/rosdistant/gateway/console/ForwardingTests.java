package ru.rosdistant.gateway.console;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class ForwardingTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void forwardToAColleagueCarriesTheHistoryAndTheNote() {
        Agent first = Staff.agent(agents, "lab16", 5);
        Agent colleague = Staff.agent(agents, "lab17", 5);
        try (WsClient firstConsole = Staff.online(port, first);
                WsClient colleagueConsole = Staff.console(port, colleague);
                WsClient visitor = WsClient.visitor(port, "lab16", "https://lab16.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            firstConsole.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-1", "text",
                    "Хочу перевестись из другого вуза"));
            visitor.awaitType("ack");

            firstConsole.send(Map.of("type", "forward", "dialogId", dialogId, "toAgentId", colleague.id(), "note",
                    "Перевод из другого вуза, нужна консультация по документам"));
            JsonNode received = colleagueConsole.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the forwarded dialog");
            assertThat(received.path("dialog").path("agentId").asLong()).isEqualTo(colleague.id());
            assertThat(received.path("dialog").path("forward").path("note").asString())
                    .isEqualTo("Перевод из другого вуза, нужна консультация по документам");
            assertThat(received.path("dialog").path("forward").path("by").asString()).isEqualTo(first.displayName());

            colleagueConsole.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            assertThat(colleagueConsole.awaitMessage(dialogId, 3).path("text").asString())
                    .isEqualTo("Хочу перевестись из другого вуза");
            JsonNode told = visitor.awaitMessage(dialogId, 4);
            assertThat(told.path("event").asString()).isEqualTo("forwarded");
            assertThat(told.path("agentName").asString()).isEqualTo(colleague.displayName());
            assertThat(told.path("text").asString()).doesNotContain("Перевод из другого вуза");

            firstConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "late", "text", "ещё"));
            assertThat(firstConsole.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
            colleagueConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "c-1", "text",
                    "Здравствуйте, помогу с переводом"));
            assertThat(visitor.awaitMessage(dialogId, 5).path("agentName").asString())
                    .isEqualTo(colleague.displayName());
            assertThat(count("SELECT count(*) AS n FROM dialog_forward WHERE dialog_id = '" + dialogId
                    + "' AND kind = 'FORWARD' AND to_agent_id = " + colleague.id())).isEqualTo(1);
        }
    }

    @Test
    void forwardToALineWaitsThereAndGoesToAnAgentOfThatLine() {
        Agent first = Staff.agent(agents, "lab16", 5);
        Agent partnerDesk = Staff.agent(agents, "partners", 5);
        try (WsClient firstConsole = Staff.online(port, first);
                WsClient visitor = WsClient.visitor(port, "lab16", "https://lab16.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            firstConsole.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            firstConsole.send(Map.of("type", "forward", "dialogId", dialogId, "toLine", "partners", "note",
                    "Компания предлагает сотрудничество"));
            assertThat(visitor.awaitMessage(dialogId, 3).path("event").asString()).isEqualTo("forwarded");
            try (WsClient partnerConsole = Staff.online(port, partnerDesk)) {
                // the partners line offers every dialog to all its agents (application.yml); the offer of the dialog
                // waiting there may come before the answer to the agent's presence, which Staff.online waits for
                partnerConsole.awaitSeenOrNext(frame -> frame.path("type").asString().equals("offer")
                        && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the offer");
                partnerConsole.send(Map.of("type", "accept", "dialogId", dialogId));
                JsonNode assigned = visitor.awaitMessage(dialogId, 4);
                assertThat(assigned.path("event").asString()).isEqualTo("assigned");
                assertThat(assigned.path("agentName").asString()).isEqualTo(partnerDesk.displayName());
                JsonNode received = partnerConsole.await(frame -> frame.path("dialog").path("dialogId").asString()
                        .equals(dialogId), "the dialog");
                assertThat(received.path("dialog").path("line").asString()).isEqualTo("partners");
                assertThat(received.path("dialog").path("forward").path("note").asString())
                        .isEqualTo("Компания предлагает сотрудничество");
            }
        }
    }

    @Test
    void onlyTheAssignedAgentForwardsButASupervisorMayTakeOver() {
        Agent owner = Staff.agent(agents, "lab18", 5);
        Agent stranger = Staff.agent(agents, "lab18", 5);
        Agent supervisor = Staff.agent(agents, "lab8", 5, Role.SUPERVISOR);
        try (WsClient ownerConsole = Staff.online(port, owner);
                WsClient strangerConsole = Staff.console(port, stranger);
                WsClient supervisorConsole = Staff.console(port, supervisor);
                WsClient visitor = WsClient.visitor(port, "lab18", "https://lab18.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            ownerConsole.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            strangerConsole.send(Map.of("type", "forward", "dialogId", dialogId, "toAgentId", stranger.id()));
            assertThat(strangerConsole.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
            strangerConsole.send(Map.of("type", "take_over", "dialogId", dialogId));
            assertThat(strangerConsole.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
            ownerConsole.send(Map.of("type", "forward", "dialogId", dialogId, "toLine", "no-such-line"));
            assertThat(ownerConsole.awaitType("error").path("code").asString()).isEqualTo("MISSING_FIELD");

            supervisorConsole.send(Map.of("type", "take_over", "dialogId", dialogId));
            supervisorConsole.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("agentId").asLong() == supervisor.id(), "the dialog taken over");
            supervisorConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "sv-1", "text",
                    "Я помогу вам"));
            assertThat(supervisorConsole.awaitType("ack").path("duplicate").asBoolean()).isFalse();
        }
    }

    private long count(String sql) {
        return db.sql(sql).map(row -> row.get("n", Long.class)).one().block(Duration.ofSeconds(5));
    }
}
