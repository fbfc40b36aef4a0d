package ru.rosdistant.gateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo pages load without a console error: a favicon, Russian with an English line. */
@GatewayTest
class DemoPagesTests {

    @LocalServerPort
    int port;

    @Test
    void theFaviconIsThereForEveryPage() {
        byte[] icon = Checks.http(port).get().uri("/favicon.ico").exchange()
                .expectStatus().isOk()
                .expectBody().returnResult().getResponseBody();
        // an ICO file: reserved 0, type 1 (icon), one image
        assertThat(icon).startsWith(0, 0, 1, 0, 1, 0);
    }

    @Test
    void theDemoPagesAreInRussianWithAnEnglishLineAndNameTheIcon() {
        WebTestClient http = Checks.http(port);
        for (String page : new String[] { "/", "/demo/applicant.html", "/demo/student.html", "/demo/main.html" }) {
            String html = new String(http.get().uri(page).exchange().expectStatus().isOk().expectBody()
                    .returnResult().getResponseBody(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(html).as(page).contains("<html lang=\"ru\">").contains("lang=\"en\"")
                    .contains("<link rel=\"icon\" href=\"/favicon.ico\">");
        }
    }
}
