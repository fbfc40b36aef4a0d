package ru.rosdistant.gateway.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may call what: every REST endpoint against anonymous and each role, allowed or refused as intended.
 * "Allowed" is any answer but 401 and 403 (a 404 for an unknown id still proves the door opened).
 */
@GatewayTest
class RoleMatrixTests {

    /** null stands for an anonymous caller. */
    private static final Set<Role> STAFF = Set.of(Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN);

    private record Door(HttpMethod method, String path, Object body, boolean anonymous, Set<Role> roles) {
    }

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void everyRoleGetsExactlyTheEndpointsItShould() {
        String someId = UUID.randomUUID().toString();
        List<Door> doors = List.of(
                new Door(HttpMethod.GET, "/api/sites", null, true, STAFF),
                new Door(HttpMethod.GET, "/actuator/health/readiness", null, true, STAFF),
                new Door(HttpMethod.GET, "/api/me", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/console/directory", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/cards?q=ab", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/cards/" + someId, null, false, STAFF),
                new Door(HttpMethod.PATCH, "/api/cards/" + someId, Map.of("status", "x"), false, STAFF),
                new Door(HttpMethod.GET, "/api/dialogs/" + someId + "/card", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/tasks", null, false, STAFF),
                new Door(HttpMethod.POST, "/api/tasks/" + someId + "/complete", Map.of("result", "x"), false, STAFF),
                new Door(HttpMethod.GET, "/api/triage", null, false, Set.of(Role.DISPATCHER, Role.SUPERVISOR)),
                new Door(HttpMethod.GET, "/api/triage/overdue", null, false, Set.of(Role.SUPERVISOR)),
                new Door(HttpMethod.GET, "/api/supervisor/tasks", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/supervisor/outbox", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/canned", null, false, STAFF),
                new Door(HttpMethod.POST, "/api/supervisor/canned", Map.of("line", "x"), false,
                        Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/supervisor/overview", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/admin/agents", null, false, Set.of(Role.ADMIN)),
                new Door(HttpMethod.POST, "/api/admin/agents", Map.of("login", "x"), false, Set.of(Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/admin/cards/" + someId + "/audit", null, false, Set.of(Role.ADMIN)),
                // Prometheus scrapes with a SUPERVISOR's or ADMIN's login (or on a management port of its own)
                new Door(HttpMethod.GET, "/actuator/prometheus", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/actuator/metrics", null, false, Set.of(Role.ADMIN)));
        Map<Role, String> cookies = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            Agent agent = Staff.agent(agents, "lab38", 5, role);
            // Staff.agent always adds AGENT; an AGENT-only caller is the plain agent
            cookies.put(role, Staff.login(port, agent.login(), Staff.PASSWORD));
        }
        WebTestClient http = WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port).build();
        List<String> wrong = new ArrayList<>();
        int checks = 0;
        for (Door door : doors) {
            checks++;
            int anonymous = call(http, door, null);
            if (door.anonymous() != allowed(anonymous)) {
                wrong.add(door.method() + " " + door.path() + " anonymous → " + anonymous);
            }
            for (Role role : Role.values()) {
                checks++;
                int status = call(http, door, cookies.get(role));
                if (door.roles().contains(role) != allowed(status)) {
                    wrong.add(door.method() + " " + door.path() + " " + role + " → " + status);
                }
            }
        }
        System.out.println("RoleMatrixTests: " + checks + " checks");
        assertThat(wrong).as("doors open or shut to the wrong callers").isEmpty();
    }

    private static boolean allowed(int status) {
        return status != 401 && status != 403;
    }

    private static int call(WebTestClient http, Door door, String cookie) {
        WebTestClient.RequestBodySpec request = http.method(door.method()).uri(door.path());
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        WebTestClient.RequestHeadersSpec<?> ready = door.body() == null ? request : request.bodyValue(door.body());
        try {
            // the body is read to its end, so the connection goes back to the client's pool
            return ready.exchange().expectBody().returnResult().getStatus().value();
        }
        catch (IllegalStateException timedOut) {
            throw new AssertionError("No answer to " + door.method() + " " + door.path()
                    + (cookie == null ? " (anonymous)" : " (logged in)"), timedOut);
        }
    }
}
