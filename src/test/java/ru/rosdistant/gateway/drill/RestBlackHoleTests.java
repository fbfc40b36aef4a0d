package ru.rosdistant.gateway.drill;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.header.HttpHeaderWriterWebFilter;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * REST while PostgreSQL stops answering (a network black hole: connections open, no byte through, as in
 * {@code DatabaseOutageTests}), on a gateway of this class's own whose requests are bounded at
 * {@value #BOUND_SECONDS} s ({@code gateway.web.request-timeout}). A console call, the offline form and a login are
 * answered 503 with {@code Retry-After} at the bound instead of waiting for good; once the network heals they work
 * again, and the form sent during the freeze and again afterwards (same clientFormId) is stored once, with its mail.
 * The console's session is written to PostgreSQL with each answer here, so its 503 shows that the answer does not
 * wait for that write. Every 503 carries the security headers of a normal answer. A login that meets the freeze
 * between its account lookup and the storing of its session is answered 503 at the bound too, without a cookie.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "gateway.embedded-db.enabled=false", "gateway.offline.forms-per-minute=1000",
                "gateway.offline.burst=1000", "gateway.web.request-timeout=" + RestBlackHoleTests.BOUND_SECONDS + "s",
                // every console request notes its session's use in PostgreSQL as its answer goes out (in production
                // once in 5 minutes): the 503 must not wait for that write either
                "gateway.login.session-touch=0s" })
@ActiveProfiles("test")
@DirtiesContext
@Import({ OwnNettyResources.class, RestBlackHoleTests.FreezeAfterAccountLookup.class })
class RestBlackHoleTests {

    static final int BOUND_SECONDS = 3;

    private static final long BOUND_MS = BOUND_SECONDS * 1000L;

    /** what a loaded 2-core machine may add to the bound before the answer is in the client's hands */
    private static final long SLACK_MS = 3000;

    private static final String SITE = "lab67";

    private static final String ORIGIN = "https://lab67.test";

    private static final String LINE_OF_THE_FROZEN_LOGIN = "lab68";

    private static CuttableProxy proxy;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) throws IOException {
        if (proxy == null) {
            proxy = CuttableProxy.toEmbeddedPostgres("test-postgres-rest-black-hole", Map.of());
        }
        proxy.register(registry);
    }

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    MeterRegistry meters;

    /** the console's chain (system.WebSecurity), whose header writer names the security headers */
    @Autowired
    SecurityWebFilterChain securityFilterChain;

    @Test
    void restRequestsAreAnswered503AtTheBoundWhileTheDatabaseHangsAndWorkAgainAfter() {
        WebTestClient http = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
        Agent agent = Staff.agent(agents, SITE, 5);
        // before the freeze: the context's first login (password hashing, the first session write, cold code) may
        // pass this context's short bound on a loaded machine and be answered 503 as it should; a client tries again
        String session = Checks.eventually(() -> {
            Answer first = login(agent.login(), Staff.PASSWORD).block(Duration.ofSeconds(30));
            assertThat(first.status()).as("login before the freeze").isIn(200, 503);
            return first.status() == 200 ? first.headers().getFirst(HttpHeaders.SET_COOKIE).split(";", 2)[0] : null;
        }, "a 200 to the login before the freeze");
        String formId = "black-hole-" + System.nanoTime();
        double timedOutBefore = timedOut();
        HttpHeaders normal = cannedAnswers(http, session).expectStatus().isOk()
                .expectBody().returnResult().getResponseHeaders();
        cards(http, session).expectStatus().isOk();

        Map<String, Long> answeredAfter = new LinkedHashMap<>();
        Map<String, HttpHeaders> unavailableHeaders = new LinkedHashMap<>();
        long thawedAt;
        proxy.freeze();
        try {
            // timed out in a controller, after the security chain ran
            answeredAfter.put("GET /api/canned", unavailable(() -> cannedAnswers(http, session),
                    headers -> unavailableHeaders.put("GET /api/canned", headers)));
            answeredAfter.put("GET /api/cards", unavailable(() -> cards(http, session),
                    headers -> unavailableHeaders.put("GET /api/cards", headers)));
            answeredAfter.put("POST /api/offline-forms", unavailable(() -> form(http, formId)
                    .expectHeader().valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN),
                    headers -> unavailableHeaders.put("POST /api/offline-forms", headers)));
            // timed out in the login's account lookup, inside the security chain
            long loginAt = System.nanoTime();
            Answer login = login("admin", "test-admin-password").block(Duration.ofSeconds(30));
            assertThat(login.status()).as("login while the database hangs").isEqualTo(503);
            answeredAfter.put("POST /login", (System.nanoTime() - loginAt) / 1_000_000);
            unavailableHeaders.put("POST /login", login.headers());
        }
        finally {
            proxy.thaw();
            thawedAt = System.nanoTime();
        }
        assertThat(timedOut() - timedOutBefore).as("requests counted as timed out").isEqualTo(4);
        answeredAfter.forEach((request, ms) -> assertThat(ms).as(request + ", answered after ms")
                .isBetween(BOUND_MS, BOUND_MS + SLACK_MS));
        Set<String> security = securityHeaderNames();
        assertThat(security).as("the security headers the console's chain writes")
                .contains("X-Frame-Options", "X-Content-Type-Options", HttpHeaders.CACHE_CONTROL);
        unavailableHeaders.forEach((request, headers) -> security.forEach(name -> assertThat(headers.get(name))
                .as(name + " of the 503 to " + request + ", as on a 200")
                .isEqualTo(normal.get(name))
                .isNotNull()));

        // the same calls work again (a request that still meets the backlog may get one more 503: tried again)
        long cannedBackMs = untilAnswered(() -> cannedAnswers(http, session), thawedAt);
        cards(http, session).expectStatus().isOk();
        // the submission of the freeze went on by itself; whether it got through was up to the database
        boolean storedByItsOwnWork = storedWithin(formId, Duration.ofSeconds(5));
        untilAnswered(() -> form(http, formId), thawedAt);
        assertThat(login("admin", "test-admin-password").block(Duration.ofSeconds(30)).status())
                .as("login after the thaw").isEqualTo(200);

        // the form once, with its mail's outbox entry: nothing partial, nothing twice
        String stored = Checks.text(db, "SELECT count(*)::text || ':' || count(o.id)::text AS v FROM offline_form f "
                + "LEFT JOIN outbox o ON o.dedup_key = 'offline-form:' || f.id "
                + "WHERE f.site_id = 'lab67' AND f.client_form_id = '" + formId + "'");
        assertThat(stored).as("forms:outbox entries for the form sent during the freeze and again after").isEqualTo("1:1");
        assertThat(prometheus(http, thawedAt)).contains("gateway_web_requests_timed_out_total");

        System.out.printf("RestBlackHoleTests: bound %d s; while PostgreSQL answered nothing, answered 503 with "
                + "Retry-After after (ms) %s; after the thaw the console call answered again within %d ms; the form of "
                + "the freeze stored by its own late work: %s, after the retry with the same clientFormId: %s "
                + "(forms:outbox entries)%n", BOUND_SECONDS, answeredAfter, cannedBackMs,
                storedByItsOwnWork ? "yes" : "no", stored);
    }

    /**
     * A login whose account lookup answered just before PostgreSQL stopped answering: the freeze comes after the
     * lookup and before the session is stored ({@link FreezeAfterAccountLookup}). What the client sees: a 503 with
     * {@code Retry-After} at the bound and no cookie — it is not logged in, and holds nothing that points at a
     * session a restarted gateway would not know. (Before, the session was stored as the answer went out, and the
     * login waited for the database for good.) After the thaw the same login is answered 200 with the cookie of a
     * session that is stored and works. The record the frozen attempt writes once the database answers again is
     * removed (PersistentSessionTests).
     */
    @Test
    void aLoginWhoseSessionCannotBeStoredIsAnswered503WithoutACookieAndLogsInAfterTheThaw() {
        Agent agent = Staff.agent(agents, LINE_OF_THE_FROZEN_LOGIN, 1);
        Answer during;
        long took;
        FreezeAfterAccountLookup.login.set(agent.login());
        try {
            long start = System.nanoTime();
            during = login(agent.login(), Staff.PASSWORD).block(Duration.ofMillis(BOUND_MS + SLACK_MS));
            took = (System.nanoTime() - start) / 1_000_000;
            assertThat(FreezeAfterAccountLookup.fired).as("frozen after the account lookup").isTrue();
        }
        finally {
            FreezeAfterAccountLookup.login.set(null);
            FreezeAfterAccountLookup.fired.set(false);
            proxy.thaw();
        }
        assertThat(during.status()).as("the login meeting the freeze").isEqualTo(503);
        assertThat(took).as("answered after ms").isBetween(BOUND_MS, BOUND_MS + SLACK_MS);
        assertThat(during.headers().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("10");
        assertThat(during.headers().get(HttpHeaders.SET_COOKIE)).as("a cookie with the 503").isNull();

        WebTestClient http = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
        String cookie = Checks.eventually(() -> {
            Answer after = login(agent.login(), Staff.PASSWORD).block(Duration.ofSeconds(30));
            assertThat(after.status()).as("login after the thaw").isIn(200, 503);
            return after.status() == 200 ? after.headers().getFirst(HttpHeaders.SET_COOKIE).split(";", 2)[0] : null;
        }, "a 200 to the login after the thaw");
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM agent_session WHERE id_hash = sha256(convert_to('"
                + cookie.substring(cookie.indexOf('=') + 1) + "', 'UTF8'))")).as("its session stored").isEqualTo("1");
        http.get().uri("/api/me").header(HttpHeaders.COOKIE, cookie).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.login").isEqualTo(agent.login());
    }

    private Set<String> securityHeaderNames() {
        MockServerWebExchange probe = MockServerWebExchange.from(MockServerHttpRequest.get("/api/canned"));
        securityFilterChain.getWebFilters()
                .filter(HttpHeaderWriterWebFilter.class::isInstance)
                .next()
                .flatMap(writer -> writer.filter(probe, written -> probe.getResponse().setComplete()))
                .block(Duration.ofSeconds(5));
        return probe.getResponse().getHeaders().headerNames();
    }

    private boolean storedWithin(String formId, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if ("1".equals(Checks.text(db, "SELECT count(*)::text AS v FROM offline_form WHERE site_id = 'lab67' "
                    + "AND client_form_id = '" + formId + "'"))) {
                return true;
            }
            try {
                Thread.sleep(100);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** Asserts a 503 problem with Retry-After, hands its headers on and returns how long it took, in ms. */
    private static long unavailable(Supplier<WebTestClient.ResponseSpec> request, Consumer<HttpHeaders> headers) {
        long start = System.nanoTime();
        EntityExchangeResult<byte[]> result = request.get()
                .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "10")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(503)
                .jsonPath("$.title").isEqualTo("Service Unavailable")
                .returnResult();
        assertThat(result.getResponseBody()).isNotEmpty();
        headers.accept(result.getResponseHeaders());
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Sends the request until it is answered with a 2xx (at most 20 s); anything else but a 503 fails. */
    private static long untilAnswered(Supplier<WebTestClient.ResponseSpec> request, long since) {
        return Checks.eventually(() -> {
            EntityExchangeResult<byte[]> result = request.get().expectBody().returnResult();
            HttpStatus status = HttpStatus.valueOf(result.getStatus().value());
            assertThat(status.is2xxSuccessful() || status == HttpStatus.SERVICE_UNAVAILABLE)
                    .as("answer after the thaw: " + status).isTrue();
            return status.is2xxSuccessful() ? (System.nanoTime() - since) / 1_000_000 : null;
        }, "a 2xx after the thaw");
    }

    private static WebTestClient.ResponseSpec cannedAnswers(WebTestClient http, String session) {
        return http.get().uri("/api/canned").header(HttpHeaders.COOKIE, session).exchange();
    }

    private static WebTestClient.ResponseSpec cards(WebTestClient http, String session) {
        return http.get().uri("/api/cards?q=Чёрная").header(HttpHeaders.COOKIE, session).exchange();
    }

    private static WebTestClient.ResponseSpec form(WebTestClient http, String formId) {
        return http.post().uri("/api/offline-forms")
                .header(HttpHeaders.ORIGIN, ORIGIN)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("site", SITE, "name", "Чёрная Дыра", "email", formId + "@example.com", "question",
                        "Вопрос, пока база молчит", "consent", true, "clientFormId", formId))
                .exchange();
    }

    private Mono<Answer> login(String login, String password) {
        return HttpClient.create()
                .post()
                .uri("http://localhost:" + port + "/login")
                .sendForm((request, form) -> form.attr("username", login).attr("password", password))
                .responseSingle((response, body) -> body.then(Mono.fromSupplier(() -> {
                    HttpHeaders headers = new HttpHeaders();
                    response.responseHeaders().forEach(header -> headers.add(header.getKey(), header.getValue()));
                    return new Answer(response.status().code(), headers);
                })));
    }

    private record Answer(int status, HttpHeaders headers) {
    }

    /**
     * Freezes the database the moment a login's account lookup has answered, for the login named in
     * {@link #login}: deterministically after the lookup and before the session is stored.
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class FreezeAfterAccountLookup {

        static final AtomicReference<String> login = new AtomicReference<>();

        static final AtomicBoolean fired = new AtomicBoolean();

        @Bean
        static BeanPostProcessor freezeAfterAccountLookup() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (!(bean instanceof ReactiveUserDetailsService users)) {
                        return bean;
                    }
                    return (ReactiveUserDetailsService) username -> users.findByUsername(username)
                            .doOnNext(found -> {
                                if (username.equals(login.get())) {
                                    proxy.freeze();
                                    fired.set(true);
                                }
                            });
                }
            };
        }
    }

    /** Like every call after the thaw, the scrape may still meet the backlog once (503) and is tried again. */
    private static String prometheus(WebTestClient http, long thawedAt) {
        untilAnswered(() -> Checks.scrape(http, Checks::admin), thawedAt);
        return Checks.prometheus(http, Checks::admin);
    }

    private double timedOut() {
        return meters.get("gateway.web.requests.timed.out").counter().count();
    }
}
