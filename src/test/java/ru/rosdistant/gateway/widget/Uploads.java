package ru.rosdistant.gateway.widget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import ru.rosdistant.gateway.WsClient;

/** A visitor's uploads over real HTTP, as the widget sends them, and a look into the file store's folder. */
public final class Uploads {

    /** The store's folder in tests (gateway.files.store.dir in application-test.yml). */
    public static final Path STORE = Path.of("target/test-files");

    private final WebClient http;

    private final String site;

    private final String origin;

    public Uploads(int port, String site, String origin) {
        this.http = WebClient.builder().baseUrl("http://localhost:" + port)
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(32 * 1024 * 1024))
                .build();
        this.site = site;
        this.origin = origin;
    }

    /** One upload; {@code body} as given (chunked, no Content-Length); headers added by {@code extra}. */
    public Mono<ResponseEntity<byte[]>> post(String token, String dialogId, String clientMsgId, String name,
            Flux<DataBuffer> body, java.util.function.Consumer<HttpHeaders> extra) {
        return http.post()
                .uri(builder -> builder.path("/api/widget/files").queryParam("site", site)
                        .queryParam("dialogId", dialogId).queryParam("clientMsgId", clientMsgId)
                        .queryParam("name", "{name}").build(name))
                .headers(headers -> {
                    headers.setBearerAuth(token);
                    headers.set(HttpHeaders.ORIGIN, origin);
                    headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
                    extra.accept(headers);
                })
                .body(BodyInserters.fromDataBuffers(body))
                .exchangeToMono(response -> response.toEntity(byte[].class));
    }

    /** One upload with a Content-Length. */
    public ResponseEntity<byte[]> post(String token, String dialogId, String clientMsgId, byte[] content) {
        return http.post()
                .uri(builder -> builder.path("/api/widget/files").queryParam("site", site)
                        .queryParam("dialogId", dialogId).queryParam("clientMsgId", clientMsgId)
                        .queryParam("name", "file.bin").build())
                .headers(headers -> {
                    headers.setBearerAuth(token);
                    headers.set(HttpHeaders.ORIGIN, origin);
                })
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .bodyValue(content)
                .exchangeToMono(response -> response.toEntity(byte[].class))
                .block(Duration.ofSeconds(60));
    }

    /** The visitor's own file. */
    public ResponseEntity<byte[]> download(String token, String dialogId, String clientMsgId) {
        return http.get()
                .uri(builder -> builder.path("/api/widget/files").queryParam("site", site)
                        .queryParam("dialogId", dialogId).queryParam("clientMsgId", clientMsgId).build())
                .headers(headers -> headers.setBearerAuth(token))
                .exchangeToMono(response -> response.toEntity(byte[].class))
                .block(Duration.ofSeconds(60));
    }

    /** The content in chunks of 64 KiB, as a browser streams a file. */
    public static Flux<DataBuffer> chunks(byte[] content) {
        int chunk = 64 * 1024;
        return Flux.range(0, (content.length + chunk - 1) / chunk)
                .map(i -> DefaultDataBufferFactory.sharedInstance.wrap(java.util.Arrays.copyOfRange(content,
                        i * chunk, Math.min(content.length, (i + 1) * chunk))));
    }

    public static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new java.util.Random(seed).nextBytes(bytes);
        return bytes;
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Every file in the store's folder, finished or not. */
    public static List<Path> storedFiles() {
        if (!Files.isDirectory(STORE)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(STORE)) {
            return files.filter(Files::isRegularFile).toList();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public static String hello(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        return visitor.awaitType("welcome").path("token").asString();
    }

    public static String open(WsClient visitor) {
        visitor.send("{\"type\":\"open\"}");
        return visitor.awaitType("opened").path("dialog").path("dialogId").asString();
    }
}
