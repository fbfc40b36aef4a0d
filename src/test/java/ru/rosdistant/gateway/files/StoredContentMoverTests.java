package ru.rosdistant.gateway.files;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.widget.Uploads;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files stored in PostgreSQL by earlier versions (bytea, written here as that code wrote them) download as
 * before, and the mover takes them to the file store. Site up1.
 */
@GatewayTest
class StoredContentMoverTests {

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Autowired
    StoredContentMover mover;

    @Test
    void filesKeptInTheDatabaseByEarlierVersionsDownloadBeforeAndAfterTheyAreMovedToTheStore() throws Exception {
        Uploads uploads = new Uploads(port, "up1", "https://up1.test");
        WebTestClient http = Checks.http(port).mutate()
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(32 * 1024 * 1024)).build();
        String staff = Staff.login(port, Staff.agent(agents, "up1", 5).login(), Staff.PASSWORD);
        try (WsClient visitor = WsClient.visitor(port, "up1", "https://up1.test")) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            byte[] visitorContent = Uploads.random(2 * 1024 * 1024 + 5, 31);
            byte[] messengerContent = Uploads.random(700_000, 32);
            UUID messengerFile = UUID.randomUUID();
            db.sql("""
                    INSERT INTO visitor_file (id, dialog_id, visitor_id, client_msg_id, file_name, mime_type, size_bytes, content)
                    SELECT :id, d.id, d.visitor_id, 'old-1', 'old.pdf', 'application/pdf', :size, :content
                    FROM dialog d WHERE d.id = :dialog""")
                    .bind("id", UUID.randomUUID())
                    .bind("dialog", UUID.fromString(dialogId))
                    .bind("size", (long) visitorContent.length)
                    .bind("content", ByteBuffer.wrap(visitorContent))
                    .then().block(Duration.ofSeconds(10));
            db.sql("""
                    INSERT INTO messenger_file (id, dialog_id, bot_id, platform_id, file_name, mime_type, size_bytes, content, blocked)
                    VALUES (:id, :dialog, 'old-bot', 'old-platform-id', 'old.jpg', 'image/jpeg', :size, :content, false)""")
                    .bind("id", messengerFile)
                    .bind("dialog", UUID.fromString(dialogId))
                    .bind("size", (long) messengerContent.length)
                    .bind("content", ByteBuffer.wrap(messengerContent))
                    .then().block(Duration.ofSeconds(10));

            assertThat(uploads.download(token, dialogId, "old-1").getBody()).isEqualTo(visitorContent);
            assertThat(staffDownload(http, staff, "/api/channel/files/" + messengerFile, "old.jpg")).isEqualTo(messengerContent);

            assertThat(mover.moveAll().block(Duration.ofSeconds(60))).isGreaterThanOrEqualTo(2L);

            String visitorRow = "FROM visitor_file WHERE dialog_id = '" + dialogId + "' AND client_msg_id = 'old-1'";
            assertThat(Checks.text(db, "SELECT (content IS NULL)::text AS v " + visitorRow)).isEqualTo("true");
            assertThat(Checks.text(db, "SELECT sha256 AS v " + visitorRow)).isEqualTo(Uploads.sha256(visitorContent));
            assertThat(Files.readAllBytes(Uploads.STORE.resolve(Checks.text(db, "SELECT storage_key AS v " + visitorRow))))
                    .isEqualTo(visitorContent);
            String messengerRow = "FROM messenger_file WHERE id = '" + messengerFile + "'";
            assertThat(Checks.text(db, "SELECT (content IS NULL)::text AS v " + messengerRow)).isEqualTo("true");
            assertThat(Checks.text(db, "SELECT sha256 AS v " + messengerRow)).isEqualTo(Uploads.sha256(messengerContent));

            assertThat(uploads.download(token, dialogId, "old-1").getBody()).isEqualTo(visitorContent);
            assertThat(staffDownload(http, staff, "/api/dialogs/" + dialogId + "/files/old-1", "old.pdf")).isEqualTo(visitorContent);
            assertThat(staffDownload(http, staff, "/api/channel/files/" + messengerFile, "old.jpg")).isEqualTo(messengerContent);
            assertThat(mover.moveAll().block(Duration.ofSeconds(60))).as("nothing left to move").isZero();
        }
    }

    private static byte[] staffDownload(WebTestClient http, String cookie, String path, String name) {
        return DownloadChecks.downloaded(http.get().uri(path)
                .header(HttpHeaders.COOKIE, cookie)
                .exchange(), name);
    }
}
