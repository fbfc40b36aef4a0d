package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.util.List;

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

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class PresenceLogTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void logsEveryPresenceChangeTheConsoleMakes() {
        Agent agent = Staff.agent(agents, "lab142", 2);
        try (WsClient console = Staff.online(port, agent)) {
            console.send("{\"type\":\"presence\",\"status\":\"AWAY\"}");
            console.awaitType("presence");
            console.send("{\"type\":\"presence\",\"status\":\"AWAY\"}");
            console.awaitType("presence");
            List<String> logged = Checks.eventually(() -> {
                List<String> now = statuses(agent.id());
                return now.size() >= 2 ? now : null;
            }, "two presence rows");
            assertThat(logged).as("the repeated AWAY is no change").containsExactly("ONLINE", "AWAY");
        }
    }

    private List<String> statuses(long agentId) {
        return db.sql("SELECT status FROM agent_presence_log WHERE agent_id = :agent ORDER BY at, id")
                .bind("agent", agentId)
                .map(row -> row.get("status", String.class))
                .all()
                .collectList()
                .block(Duration.ofSeconds(10));
    }
}
