package ru.rosdistant.gateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** What the pages the gateway serves may run, and who may read its metrics. */
@GatewayTest
class PagesAndMetricsGuardTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void theConsoleAndTheDemoPagesCarryAContentSecurityPolicyWithoutInlineScripts() {
        WebTestClient http = Checks.http(port);
        for (String page : new String[] { "/console", "/console/index.html", "/demo/main.html", "/" }) {
            HttpHeaders headers = http.get().uri(page).exchange().expectStatus().isOk().expectBody().returnResult()
                    .getResponseHeaders();
            String policy = headers.getFirst("Content-Security-Policy");
            assertThat(policy).as(page).isNotNull().contains("script-src 'self';").contains("object-src 'none'")
                    .contains("frame-ancestors 'self'").doesNotContain("unsafe-eval");
            assertThat(policy.substring(policy.indexOf("script-src"))).as(page + ": scripts")
                    .startsWith("script-src 'self';");
        }
    }

    @Test
    void prometheusIsForSupervisorsAndAdminsNotForAnonymousCallers() {
        WebTestClient http = Checks.http(port);
        http.get().uri("/actuator/prometheus").exchange().expectStatus().isUnauthorized();
        String agent = Staff.login(port, Staff.agent(agents, "lab21", 1).login(), Staff.PASSWORD);
        http.get().uri("/actuator/prometheus").header("Cookie", agent).exchange().expectStatus().isForbidden();
        String supervisor = Staff.login(port, Staff.agent(agents, "lab21", 1, Role.SUPERVISOR).login(),
                Staff.PASSWORD);
        http.get().uri("/actuator/prometheus").header("Cookie", supervisor).exchange().expectStatus().isOk();
        String admin = Staff.agent(agents, "lab21", 1, Role.ADMIN).login();
        http.get().uri("/actuator/prometheus").headers(headers -> headers.setBasicAuth(admin, Staff.PASSWORD))
                .exchange().expectStatus().isOk();
        // the probes stay public
        for (String probe : new String[] { "/actuator/health", "/actuator/health/liveness",
                "/actuator/health/readiness" }) {
            http.get().uri(probe).exchange().expectStatus().isOk();
        }
    }
}
