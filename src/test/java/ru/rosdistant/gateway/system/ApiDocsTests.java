package ru.rosdistant.gateway.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document: behind login, every REST endpoint of the gateway in it, each with who may call it. */
@GatewayTest
class ApiDocsTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Autowired
    List<RouterFunction<?>> functions;

    @Test
    void theDocumentAndItsUiNeedALogin() {
        Checks.http(port).get().uri("/v3/api-docs").exchange().expectStatus().isUnauthorized();
        Checks.http(port).get().uri("/swagger-ui.html").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void listsEveryEndpointWithTheRolesThatMayCallIt() {
        String agent = Staff.login(port, Staff.agent(agents, "lab322", 1).login(), Staff.PASSWORD);
        JsonNode api = Checks.body(Checks.http(port).get().uri("/v3/api-docs").header("Cookie", agent).exchange()
                .expectStatus().isOk());
        assertThat(api.path("openapi").asString()).startsWith("3.");
        JsonNode paths = api.path("paths");
        List<String> missing = new ArrayList<>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            if (!handler.getBeanType().getPackageName().startsWith("ru.rosdistant.gateway")) {
                return;
            }
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            info.getPatternsCondition().getPatterns().forEach(pattern -> {
                String path = pattern.getPatternString().replaceAll("\\{(\\w+):[^}]*}", "{$1}");
                for (RequestMethod method : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
                    JsonNode operation = paths.path(path).path(method.name().toLowerCase());
                    if (operation.isMissingNode() || operation.path(ApiDocs.ROLES).size() == 0) {
                        missing.add(method + " " + path);
                    }
                }
            });
        });
        functions.stream()
                .flatMap(function -> FunctionalRoutes.of(function).stream())
                .filter(route -> route.path().startsWith("/api/") || route.path().startsWith("/channel/"))
                .forEach(route -> {
                    JsonNode operation = paths.path(route.path()).path(route.method().name().toLowerCase());
                    if (operation.isMissingNode() || operation.path(ApiDocs.ROLES).size() == 0) {
                        missing.add(route.method() + " " + route.path());
                    }
                });
        assertThat(missing).as("endpoints without an operation and its roles").isEmpty();
        assertThat(paths.size()).isGreaterThan(40);
        assertThat(roles(paths, "/api/reports/dialogs/figures", "get")).containsExactly("SUPERVISOR", "ADMIN");
        // a list's paging headers (docs/protocol.md "Lists"): X-Offset where it pages by offset, else none
        JsonNode byOffset = paths.path("/api/tasks").path("get").path("responses").path("200").path("headers");
        assertThat(byOffset.has("X-Limit") && byOffset.has("X-Offset") && byOffset.has("X-Total-Count")).isTrue();
        JsonNode firstPage = paths.path("/api/supervisor/outbox").path("get").path("responses").path("200")
                .path("headers");
        assertThat(firstPage.has("X-Limit")).isTrue();
        assertThat(firstPage.has("X-Offset")).isFalse();
        assertThat(roles(paths, "/api/reports/dialogs/figures.csv", "get")).containsExactly("SUPERVISOR", "ADMIN");
        assertThat(roles(paths, "/api/offline-forms", "post")).containsExactly("PUBLIC");
        assertThat(roles(paths, "/api/result-receipts/{token}", "get"))
                .as("the person's link to a result, open as the security rules have it").containsExactly("PUBLIC");
        assertThat(roles(paths, "/api/me", "get")).containsExactly("STAFF");
        assertThat(paths.path("/api/offline-forms").path("post").path("description").asString()).contains("Public.");
        assertThat(paths.path("/api/reports/agents").path("get").path("description").asString())
                .contains("Roles: SUPERVISOR, ADMIN.");
        assertThat(paths.path("/api/reports/agents").path("get").path("parameters").valueStream()
                .map(parameter -> parameter.path("name").asString())).contains("delimiter");
    }

    private static List<String> roles(JsonNode paths, String path, String method) {
        return paths.path(path).path(method).path(ApiDocs.ROLES).valueStream().map(JsonNode::asString).toList();
    }
}
