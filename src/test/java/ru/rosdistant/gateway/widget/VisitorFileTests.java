package ru.rosdistant.gateway.widget;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.files.DownloadChecks;

import static org.assertj.core.api.Assertions.assertThat;

/** Files a visitor attaches in the widget: stored once, shown in the dialog, refused over 16 MB. Site lab52. */
@GatewayTest
class VisitorFileTests {

    private static final String SITE = "lab52";

    private static final String ORIGIN = "https://lab52.test";

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Test
    void aFileIsStoredOnceShownInTheDialogAndDownloadedByItsVisitorAndStaffOnly() {
        WebTestClient http = Checks.http(port);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = hello(visitor);
            String dialogId = open(visitor);
            byte[] content = "%PDF-1.4 справка об обучении".getBytes(StandardCharsets.UTF_8);
            String clientMsgId = "f-" + UUID.randomUUID();

            JsonNode ack = Checks.body(upload(http, token, dialogId, clientMsgId, "C:\\Users\\me\\справка 2026.pdf", content)
                    .expectStatus().isCreated());
            assertThat(ack.path("type").asString()).isEqualTo("ack");
            assertThat(ack.path("clientMsgId").asString()).isEqualTo(clientMsgId);
            assertThat(ack.path("duplicate").asBoolean()).isFalse();
            JsonNode shown = visitor.await(frame -> "message".equals(frame.path("type").asString())
                    && clientMsgId.equals(frame.path("clientMsgId").asString()), "the file's message");
            assertThat(shown.path("event").asString()).isEqualTo("file");
            assertThat(shown.path("from").asString()).isEqualTo("visitor");
            assertThat(shown.path("text").asString()).isEqualTo("Файл: справка 2026.pdf (" + content.length + " Б)");
            assertThat(shown.path("seq").asLong()).isEqualTo(ack.path("seq").asLong());

            // The same upload again (a retry): acknowledged as a duplicate, nothing new stored.
            JsonNode again = Checks.body(upload(http, token, dialogId, clientMsgId, "справка 2026.pdf", content)
                    .expectStatus().isCreated());
            assertThat(again.path("duplicate").asBoolean()).isTrue();
            assertThat(again.path("seq").asLong()).isEqualTo(ack.path("seq").asLong());
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM visitor_file WHERE dialog_id = '" + dialogId + "'"))
                    .isEqualTo("1");
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id = '" + dialogId
                    + "' AND event = 'file'")).isEqualTo("1");

            // The visitor downloads their own file, as an attachment.
            byte[] downloaded = DownloadChecks.downloaded(http.get()
                    .uri(uri("dialogId", dialogId, "clientMsgId", clientMsgId))
                    .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                    .exchange(), "справка 2026.pdf");
            assertThat(downloaded).isEqualTo(content);

            // Nobody else: another visitor, no token, no login.
            try (WsClient stranger = WsClient.visitor(port, SITE, ORIGIN)) {
                http.get().uri(uri("dialogId", dialogId, "clientMsgId", clientMsgId))
                        .header(HttpHeaders.AUTHORIZATION, "Bearer " + hello(stranger))
                        .exchange().expectStatus().isNotFound();
            }
            http.get().uri(uri("dialogId", dialogId, "clientMsgId", clientMsgId)).exchange().expectStatus().isUnauthorized();
            http.get().uri("/api/dialogs/" + dialogId + "/files/" + clientMsgId).exchange().expectStatus().isUnauthorized();

            // Staff download it with their console login.
            Agent agent = Staff.agent(agents, SITE, 5);
            byte[] forStaff = DownloadChecks.downloaded(http.get()
                    .uri("/api/dialogs/" + dialogId + "/files/" + clientMsgId)
                    .header(HttpHeaders.COOKIE, Staff.login(port, agent.login(), Staff.PASSWORD))
                    .exchange(), "справка 2026.pdf");
            assertThat(forStaff).isEqualTo(content);

            // A closed dialog takes no more files.
            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            visitor.await(frame -> "closed".equals(frame.path("event").asString()), "closed");
            upload(http, token, dialogId, "f-" + UUID.randomUUID(), "late.txt", new byte[] { 1 })
                    .expectStatus().isEqualTo(409);
        }
    }

    @Test
    void sixteenMegabytesAreAcceptedAndOneByteMoreIsRefusedWith413() {
        WebTestClient http = Checks.http(port);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = hello(visitor);
            String dialogId = open(visitor);
            byte[] limit = new byte[16 * 1024 * 1024];
            Arrays.fill(limit, (byte) 7);
            upload(http, token, dialogId, "big-1", "scan.tiff", limit).expectStatus().isCreated();
            assertThat(Checks.text(db, "SELECT size_bytes::text AS v FROM visitor_file WHERE dialog_id = '" + dialogId + "'"))
                    .isEqualTo("16777216");

            byte[] over = new byte[16 * 1024 * 1024 + 1];
            JsonNode problem = Checks.body(upload(http, token, dialogId, "big-2", "scan2.tiff", over)
                    .expectStatus().isEqualTo(413));
            assertThat(problem.path("detail").asString()).contains("16 MB");
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM visitor_file WHERE dialog_id = '" + dialogId + "'"))
                    .isEqualTo("1");
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id = '" + dialogId
                    + "' AND client_msg_id = 'big-2'")).isEqualTo("0");
        }
    }

    @Test
    void anUploadNeedsTheVisitorsTokenAndOwnDialogAndAnAllowedPage() {
        WebTestClient http = Checks.http(port);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN); WsClient other = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = hello(visitor);
            String dialogId = open(visitor);
            upload(http, "v1.forged", dialogId, "x-1", "a.txt", new byte[] { 1 }).expectStatus().isUnauthorized();
            upload(http, hello(other), dialogId, "x-2", "a.txt", new byte[] { 1 }).expectStatus().isNotFound();
            upload(http, token, dialogId, "x-3", "", new byte[] { 1 }).expectStatus().isBadRequest();
            http.post().uri(uri("dialogId", dialogId, "clientMsgId", "x-4", "name", "a.txt"))
                    .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                    .header(HttpHeaders.ORIGIN, "https://evil.example")
                    .bodyValue(new byte[] { 1 })
                    .exchange().expectStatus().isForbidden();
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM visitor_file WHERE dialog_id = '" + dialogId + "'"))
                    .isEqualTo("0");
        }
    }

    private WebTestClient.ResponseSpec upload(WebTestClient http, String token, String dialogId, String clientMsgId,
            String name, byte[] content) {
        return http.post()
                .uri(uri("dialogId", dialogId, "clientMsgId", clientMsgId, "name", name))
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .header(HttpHeaders.ORIGIN, ORIGIN)
                .contentType(MediaType.APPLICATION_PDF)
                .bodyValue(content)
                .exchange();
    }

    private static java.util.function.Function<org.springframework.web.util.UriBuilder, java.net.URI> uri(String... pairs) {
        return builder -> {
            builder.path("/api/widget/files").queryParam("site", SITE);
            for (int i = 0; i < pairs.length; i += 2) {
                builder.queryParam(pairs[i], "{" + pairs[i] + "}");
            }
            Map<String, Object> values = new java.util.HashMap<>();
            for (int i = 0; i < pairs.length; i += 2) {
                values.put(pairs[i], pairs[i + 1]);
            }
            return builder.build(values);
        };
    }

    private static String hello(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        return visitor.awaitType("welcome").path("token").asString();
    }

    private static String open(WsClient visitor) {
        visitor.send("{\"type\":\"open\"}");
        return visitor.awaitType("opened").path("dialog").path("dialogId").asString();
    }
}
