package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class PresenceJournalTests {

    @Autowired
    PresenceJournal journal;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void keepsTheOrderOfChangesMadeFasterThanTheirRowsAreWritten() {
        Agent agent = Staff.agent(agents, "lab143", 2);
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Presence status = i % 2 == 0 ? Presence.ONLINE : Presence.AWAY;
            journal.record(agent.id(), status);
            made.add(status.name());
        }
        List<String> logged = Checks.eventually(() -> {
            List<String> now = statuses(agent.id());
            return now.size() >= made.size() ? now : null;
        }, "every presence row written");
        assertThat(logged).as("the log in the order the changes were made").isEqualTo(made);
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
