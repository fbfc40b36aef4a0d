package ru.rosdistant.gateway.console;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.NewAgent;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** The forward dialog's choices: only colleagues and lines that can take the dialog now, with their state. */
@GatewayTest
class ForwardTargetsTests {

    private static final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void onlyColleaguesAndLinesThatCanTakeTheDialogNowAreListedWithTheirState() {
        Agent me = Staff.agent(agents, "lab103", 5);
        Agent online = named("  Пётр Иванов, ", "lab103", 3);
        Agent away = Staff.agent(agents, "lab104", 2);
        Agent offline = Staff.agent(agents, "lab104", 2);
        Agent otherLine = Staff.agent(agents, "lab104", 4);
        try (WsClient mine = Staff.online(port, me);
                WsClient onlineConsole = Staff.console(port, online);
                WsClient awayConsole = Staff.console(port, away);
                WsClient offlineConsole = Staff.console(port, offline);
                WsClient otherLineConsole = Staff.online(port, otherLine);
                WsClient visitor = WsClient.visitor(port, "lab103", "https://lab103.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-1", "text", "Вопрос"));
            mine.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog assigned");
            onlineConsole.send(Map.of("type", "presence", "status", "ONLINE"));
            onlineConsole.awaitType("presence");
            awayConsole.send(Map.of("type", "presence", "status", "AWAY"));
            awayConsole.awaitType("presence");

            JsonNode targets = targets(me, dialogId);
            List<Long> listed = targets.path("agents").valueStream().map(agent -> agent.path("id").asLong()).toList();
            assertThat(listed).contains(online.id(), away.id(), otherLine.id())
                    .doesNotContain(me.id(), offline.id());
            JsonNode peter = agentIn(targets, online.id());
            assertThat(peter.path("displayName").asString()).isEqualTo("Пётр Иванов");
            assertThat(peter.path("label").asString()).isEqualTo("Пётр Иванов — на линии, свободно 3 из 3");
            assertThat(peter.path("state").asString()).isEqualTo("ONLINE");
            assertThat(peter.path("free").asInt()).isEqualTo(3);
            assertThat(peter.path("lines").get(0).path("name").asString()).isEqualTo("Lab line 103");
            assertThat(agentIn(targets, away.id()).path("state").asString()).isEqualTo("AWAY");
            assertThat(listed.indexOf(online.id())).as("who can take it first").isLessThan(listed.indexOf(away.id()));

            List<String> lines = targets.path("lines").valueStream().map(line -> line.path("id").asString()).toList();
            assertThat(lines).as("the other line with an agent online, not the dialog's own").contains("lab104")
                    .doesNotContain("lab103");
            JsonNode lab104 = targets.path("lines").valueStream()
                    .filter(line -> line.path("id").asString().equals("lab104"))
                    .findFirst()
                    .orElseThrow();
            assertThat(lab104.path("agentsOnline").asInt()).isEqualTo(1);
            assertThat(lab104.path("free").asInt()).isEqualTo(4);
            assertThat(lab104.path("name").asString()).isEqualTo("Lab line 104");

            Checks.http(port).get().uri("/api/dialogs/" + dialogId + "/forward-targets")
                    .headers(headers -> headers.setBasicAuth(online.login(), Staff.PASSWORD))
                    .exchange().expectStatus().isForbidden();
            Checks.http(port).get().uri("/api/dialogs/" + java.util.UUID.randomUUID() + "/forward-targets")
                    .headers(headers -> headers.setBasicAuth(me.login(), Staff.PASSWORD))
                    .exchange().expectStatus().isNotFound();
            Checks.http(port).get().uri("/api/dialogs/not-an-id/forward-targets")
                    .headers(headers -> headers.setBasicAuth(me.login(), Staff.PASSWORD))
                    .exchange().expectStatus().isBadRequest()
                    .expectHeader().contentTypeCompatibleWith("application/problem+json");
        }
    }

    @Test
    void namesLoseStrayPunctuation() {
        assertThat(ForwardTargets.clean("  Пётр   Иванов, ")).isEqualTo("Пётр Иванов");
        assertThat(ForwardTargets.clean("; Анна Смирнова ;")).isEqualTo("Анна Смирнова");
        assertThat(ForwardTargets.clean("Отдел (УСУП)")).isEqualTo("Отдел (УСУП)");
        assertThat(ForwardTargets.clean("Д. А. Петров")).isEqualTo("Д. А. Петров");
    }

    private JsonNode targets(Agent agent, String dialogId) {
        byte[] body = Checks.http(port).get().uri("/api/dialogs/" + dialogId + "/forward-targets")
                .headers(headers -> headers.setBasicAuth(agent.login(), Staff.PASSWORD))
                .exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return json.readTree(body);
    }

    private static JsonNode agentIn(JsonNode targets, long id) {
        return targets.path("agents").valueStream()
                .filter(agent -> agent.path("id").asLong() == id)
                .findFirst()
                .orElseThrow();
    }

    private Agent named(String displayName, String line, int maxDialogs) {
        String login = "fw" + System.nanoTime() % 1_000_000_000L;
        return agents.create(new NewAgent(login, displayName, Staff.PASSWORD, EnumSet.of(Role.AGENT), List.of(line),
                maxDialogs)).block(Duration.ofSeconds(10));
    }
}
