package ru.rosdistant.gateway.widget;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/** Visitors' files go to the file store's folder chunk by chunk, never into PostgreSQL. Site up1. */
@GatewayTest
class VisitorFileStoreTests {

    private static final String SITE = "up1";

    private static final String ORIGIN = "https://up1.test";

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Test
    void aFileIsStoredOnDiskWithItsChecksumAndDownloadsByteIdentically() throws Exception {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            byte[] content = Uploads.random(3 * 1024 * 1024 + 17, 11);

            ResponseEntity<byte[]> answer = uploads.post(token, dialogId, "disk-1", "scan.pdf", Uploads.chunks(content),
                    headers -> { }).block(Duration.ofSeconds(60));
            assertThat(answer.getStatusCode().value()).isEqualTo(201);

            String row = "FROM visitor_file WHERE dialog_id = '" + dialogId + "' AND client_msg_id = 'disk-1'";
            assertThat(Checks.text(db, "SELECT sha256 AS v " + row)).isEqualTo(Uploads.sha256(content));
            assertThat(Checks.text(db, "SELECT size_bytes::text AS v " + row)).isEqualTo(String.valueOf(content.length));
            assertThat(Checks.text(db, "SELECT (content IS NULL)::text AS v " + row)).as("nothing in the database")
                    .isEqualTo("true");
            Path file = Uploads.STORE.resolve(Checks.text(db, "SELECT storage_key AS v " + row));
            assertThat(Files.readAllBytes(file)).isEqualTo(content);

            ResponseEntity<byte[]> downloaded = uploads.download(token, dialogId, "disk-1");
            assertThat(downloaded.getStatusCode().value()).isEqualTo(200);
            assertThat(downloaded.getHeaders().getContentLength()).isEqualTo(content.length);
            assertThat(downloaded.getHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION)).startsWith("attachment");
            assertThat(downloaded.getBody()).isEqualTo(content);
        }
    }

    @Test
    void aFileOverTheLimitSentWithoutALengthIsRefusedWith413AndLeavesNoFileAndNoRow() {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            List<Path> before = Uploads.storedFiles();

            ResponseEntity<byte[]> answer = uploads.post(token, dialogId, "over-1", "huge.iso",
                    Uploads.chunks(new byte[16 * 1024 * 1024 + 1]), headers -> { }).block(Duration.ofSeconds(60));
            assertThat(answer.getStatusCode().value()).isEqualTo(413);
            assertThat(new String(answer.getBody(), java.nio.charset.StandardCharsets.UTF_8)).contains("16 MB");

            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM visitor_file WHERE dialog_id = '" + dialogId + "'"))
                    .isEqualTo("0");
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id = '" + dialogId
                    + "' AND event = 'file'")).isEqualTo("0");
            Checks.eventually(() -> Uploads.storedFiles().equals(before) ? true : null,
                    "no file left behind in the store");
        }
    }

    @Test
    void aRetriedUploadOfAStoredFileKeepsOneFileOnDisk() {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            byte[] content = Uploads.random(100_000, 12);
            assertThat(uploads.post(token, dialogId, "again-" + UUID.randomUUID(), content).getStatusCode().value())
                    .isEqualTo(201);
            List<Path> before = Uploads.storedFiles();
            String clientMsgId = "again-1";
            assertThat(uploads.post(token, dialogId, clientMsgId, content).getStatusCode().value()).isEqualTo(201);
            assertThat(uploads.post(token, dialogId, clientMsgId, content).getStatusCode().value()).isEqualTo(201);
            assertThat(Uploads.storedFiles()).hasSize(before.size() + 1);
        }
    }
}
