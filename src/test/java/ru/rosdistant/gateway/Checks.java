package ru.rosdistant.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Small test helpers: read one value from PostgreSQL, wait for a condition, read a JSON body, scrape the Prometheus
 * endpoint.
 */
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

    /** The query's single row, named parameters bound in pairs (name, value, name, value…); null when there is none. */
    public static Map<String, Object> row(DatabaseClient db, String sql, Object... binds) {
        return bound(db, sql, binds).fetch().one().block(Duration.ofSeconds(30));
    }

    /** The query's rows, named parameters bound in pairs (name, value, name, value…). */
    public static List<Map<String, Object>> rows(DatabaseClient db, String sql, Object... binds) {
        return bound(db, sql, binds).fetch().all().collectList().block(Duration.ofSeconds(30));
    }

    private static DatabaseClient.GenericExecuteSpec bound(DatabaseClient db, String sql, Object... binds) {
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql);
        for (int i = 0; i < binds.length; i += 2) {
            spec = spec.bind((String) binds[i], binds[i + 1]);
        }
        return spec;
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

    /** The Prometheus endpoint called with the credentials {@code auth} sets; the status is the caller's to check. */
    public static WebTestClient.ResponseSpec scrape(WebTestClient http, Consumer<HttpHeaders> auth) {
        return http.get()
                .uri("/actuator/prometheus")
                .headers(auth)
                .exchange();
    }

    /** The Prometheus scrape, which must answer 200, as the caller whose credentials {@code auth} sets. */
    public static String prometheus(WebTestClient http, Consumer<HttpHeaders> auth) {
        String body = scrape(http, auth)
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        return body == null ? "" : body;
    }

    /** The Prometheus scrape as the staff member whose session cookie this is (a SUPERVISOR or an ADMIN). */
    public static String prometheus(int port, String cookie) {
        return prometheus(http(port), headers -> headers.set(HttpHeaders.COOKIE, cookie));
    }

    /** The Prometheus scrape with the configured administrator's basic credentials of the test profile. */
    public static String prometheusAsAdmin(int port) {
        return prometheus(http(port), Checks::admin);
    }

    /** Sets the basic credentials of the test profile's configured administrator. */
    public static void admin(HttpHeaders headers) {
        headers.setBasicAuth("admin", "test-admin-password");
    }

    /**
     * The value of the first series in a scrape whose line starts so ({@code series} is a regular expression: a
     * name, or a name and labels, complete or ending inside them), or empty when the scrape has no such series yet.
     */
    public static OptionalDouble series(String scraped, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + series + "(?:[^}\\n]*})? ([0-9.eE+-]+|NaN)$").matcher(scraped);
        return matcher.find() ? OptionalDouble.of(Double.parseDouble(matcher.group(1))) : OptionalDouble.empty();
    }
}
