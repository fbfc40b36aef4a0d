package ru.rosdistant.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Small test helpers: read one value from PostgreSQL, wait for a condition, read a JSON body. */
public final class Checks {

    private static final JsonMapper json = JsonMapper.builder().build();

    private Checks() {
    }

    /** An HTTP client for the running gateway, patient enough for a loaded machine. */
    public static WebTestClient http(int port) {
        return WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port).build();
    }

    /** The column {@code v} of the query's single row, or null when there is no row or it is NULL. */
    public static String text(DatabaseClient db, String sql) {
        return db.sql(sql).map(row -> Optional.ofNullable(row.get("v", String.class))).one()
                .blockOptional(Duration.ofSeconds(10)).flatMap(value -> value).orElse(null);
    }

    /** Polls until the probe returns something other than null (at most 20 s). */
    public static <T> T eventually(Supplier<T> probe, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            try {
                Thread.sleep(100);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("Timed out waiting for " + what);
    }

    /** The response's body as JSON. */
    public static JsonNode body(WebTestClient.ResponseSpec response) {
        byte[] bytes = response.expectBody().returnResult().getResponseBody();
        return json.readTree(bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8));
    }
}
