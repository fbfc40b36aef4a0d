package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.card.Card;
import ru.rosdistant.gateway.card.Cards;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/tasks} answers pages of a bounded size (a larger limit is clamped, the one applied in
 * {@code X-Limit}) and refuses an offset past 10,000. Line lab760.
 */
@GatewayTest
class TaskPagingTests {

    private static final String LINE = "lab760";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    Cards cards;

    @Autowired
    DatabaseClient db;

    @Test
    void anAgentsTasksComeInPagesOfAtMostTwoHundredSoonestDueFirstWithTheirCount() {
        Agent agent = Staff.agent(agents, LINE, 5);
        Card card = cards.findOrCreateLead("Лид 760", "lead760@example.org", null, "applicant")
                .block(Duration.ofSeconds(30));
        // 205 open tasks, due over the next 41 days, five a day
        db.sql("""
                        INSERT INTO task (id, card_id, kind, title, line_id, owner_agent_id, due, notice_key)
                        SELECT gen_random_uuid(), :card, 'PERSON_WROTE_AGAIN', 'Снова обращается ' || i, :line, :agent,
                            current_date + (i / 5), 'lab760-' || CAST(:agent AS text) || '-' || i
                        FROM generate_series(0, 204) AS i""")
                .bind("card", card.id())
                .bind("line", LINE)
                .bind("agent", agent.id())
                .then()
                .block(Duration.ofSeconds(30));
        WebTestClient http = Checks.http(port);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);

        WebTestClient.ResponseSpec first = http.get().uri("/api/tasks").header("Cookie", cookie).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Total-Count", "205")
                .expectHeader().valueEquals("X-Offset", "0");
        JsonNode byDefault = Checks.body(first);
        assertThat(byDefault.size()).as("the default page").isEqualTo(100);
        List<String> dues = byDefault.valueStream().map(task -> task.path("due").asString()).toList();
        assertThat(dues).isSorted();

        JsonNode largest = Checks.body(http.get().uri("/api/tasks?limit=200").header("Cookie", cookie).exchange()
                .expectStatus().isOk());
        JsonNode rest = Checks.body(http.get().uri("/api/tasks?limit=200&offset=200").header("Cookie", cookie)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Total-Count", "205")
                .expectHeader().valueEquals("X-Offset", "200"));
        assertThat(largest.size()).isEqualTo(200);
        assertThat(rest.size()).isEqualTo(5);
        List<String> ids = new ArrayList<>();
        largest.valueStream().forEach(task -> ids.add(task.path("id").asString()));
        rest.valueStream().forEach(task -> ids.add(task.path("id").asString()));
        Set<String> distinct = new HashSet<>(ids);
        assertThat(distinct).as("the two pages neither overlap nor leave one out").hasSize(205);
        assertThat(rest.get(4).path("due").asString()).as("the last page holds the latest due")
                .isGreaterThanOrEqualTo(largest.get(199).path("due").asString());
    }

    @Test
    void aLimitPastTheBoundsIsClampedAndSaidAnOffsetPastThemOrANonNumberIsABadRequestWithAProblemDetail() {
        Agent agent = Staff.agent(agents, LINE, 5);
        WebTestClient http = Checks.http(port);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        for (String query : List.of("limit=201", "limit=1000000", "limit=99999999999999999999999")) {
            http.get().uri("/api/tasks?" + query).header("Cookie", cookie).exchange()
                    .expectStatus().isOk()
                    .expectHeader().valueEquals("X-Limit", "200");
        }
        for (String query : List.of("limit=0", "limit=-5")) {
            http.get().uri("/api/tasks?" + query).header("Cookie", cookie).exchange()
                    .expectStatus().isOk()
                    .expectHeader().valueEquals("X-Limit", "1");
        }
        for (String query : List.of("limit=ten", "limit=1e3", "limit=", "offset=-1", "offset=10001",
                "offset=9999999999999999999999", "offset=x")) {
            JsonNode problem = Checks.body(http.get().uri("/api/tasks?" + query).header("Cookie", cookie).exchange()
                    .expectStatus().isBadRequest()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
            String name = query.substring(0, query.indexOf('='));
            assertThat(problem.path("detail").asString()).as(query).startsWith(name + ": a whole number");
        }
        // within the bounds, even an empty page is fine
        assertThat(Checks.body(http.get().uri("/api/tasks?limit=1&offset=10000").header("Cookie", cookie).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Limit", "1")
                .expectHeader().valueEquals("X-Offset", "10000")).size()).isZero();
    }
}
