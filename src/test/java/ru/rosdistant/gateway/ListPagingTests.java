package ru.rosdistant.gateway;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every list of the staff's REST API answers {@code limit} and {@code offset} alike ({@code web.Paging},
 * docs/protocol.md "Lists"): a limit past the list's bounds is clamped and the one applied is in {@code X-Limit}; a
 * non-number, or an offset past 0 to 10,000, is 400 with a problem detail; a list that pages by offset always says
 * where its page starts in {@code X-Offset} (0 when none was asked), one that serves only its first page never does.
 * Line lab864.
 */
@GatewayTest
class ListPagingTests {

    /** Each list with its largest page. */
    private static final Map<String, Integer> LARGEST = Map.of("/api/tasks", 200, "/api/email/dialogs", 500,
            "/api/supervisor/email/failed", 500, "/api/supervisor/outbox", 500, "/api/triage", 500,
            "/api/triage/overdue", 500, "/api/offline-appeals", 500);

    /** The lists that page by offset. */
    private static final List<String> WITH_OFFSET = List.of("/api/tasks", "/api/triage", "/api/triage/overdue",
            "/api/offline-appeals");

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void everyListClampsALimitPastItsBoundsSaysTheLimitItAppliedAndRefusesWhatIsNoPageWithAProblemDetail() {
        Agent staff = Staff.agent(agents, "lab864", 5, Role.SUPERVISOR, Role.DISPATCHER);
        WebTestClient http = Checks.http(port);
        LARGEST.forEach((list, largest) -> {
            get(http, staff, list + "?limit=1000000").expectStatus().isOk()
                    .expectHeader().valueEquals("X-Limit", largest.toString());
            get(http, staff, list + "?limit=0").expectStatus().isOk().expectHeader().valueEquals("X-Limit", "1");
            get(http, staff, list + "?limit=3").expectStatus().isOk().expectHeader().valueEquals("X-Limit", "3");
            assertThat(problem(http, staff, list + "?limit=many")).as(list).startsWith("limit: a whole number");
            if (WITH_OFFSET.contains(list)) {
                get(http, staff, list).expectStatus().isOk().expectHeader().valueEquals("X-Offset", "0");
                get(http, staff, list + "?offset=10000").expectStatus().isOk()
                        .expectHeader().valueEquals("X-Offset", "10000");
                assertThat(problem(http, staff, list + "?offset=10001")).as(list)
                        .isEqualTo("offset: a whole number from 0 to 10000, got '10001'");
                assertThat(problem(http, staff, list + "?offset=-1")).as(list).startsWith("offset: a whole number");
            } else {
                // a list that serves only its first page does not say where a page starts
                get(http, staff, list + "?offset=5").expectStatus().isOk().expectHeader().doesNotExist("X-Offset");
            }
        });
    }

    private static WebTestClient.ResponseSpec get(WebTestClient http, Agent agent, String uri) {
        return http.get().uri(uri).headers(h -> h.setBasicAuth(agent.login(), Staff.PASSWORD)).exchange();
    }

    private static String problem(WebTestClient http, Agent agent, String uri) {
        JsonNode problem = Checks.body(get(http, agent, uri).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        return problem.path("detail").asString();
    }
}
