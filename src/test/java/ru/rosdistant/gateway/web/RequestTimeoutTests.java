package ru.rosdistant.gateway.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.WebFilterChainProxy;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request bound on its own, with handlers that take their time (no database: what they wait for is a delay).
 * A bounded request is answered 503 at the bound while its handler goes on uncancelled and its late answer is
 * dropped; an answer that has begun, a stream, a socket, file transfers and webhooks are never cut short.
 */
class RequestTimeoutTests {

    private static final Duration BOUND = Duration.ofMillis(300);

    private static final Duration SLOW = Duration.ofMillis(1200);

    private static final JsonMapper json = JsonMapper.builder().build();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** as the gateway's console chain writes them (system.WebSecurity), before and after the handler */
    private final SecurityWebFilterChain security = ServerHttpSecurity.http()
            .headers(headers -> headers.frameOptions(
                    frames -> frames.mode(XFrameOptionsServerHttpHeadersWriter.Mode.SAMEORIGIN)))
            .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
            .build();

    private final RequestTimeout filter = new RequestTimeout(new WebRequestProperties(BOUND, List.of(), Duration.ofSeconds(10)), registry, json,
            List.of(security));

    private final NettyDataBufferFactory buffers = new NettyDataBufferFactory(UnpooledByteBufAllocator.DEFAULT);

    @Test
    void aRequestWithoutAnAnswerInTimeIsAnswered503AndItsWorkGoesOnUncancelled() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/canned?line=lab1"));
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        ByteBuf late = Unpooled.copiedBuffer("late answer", StandardCharsets.UTF_8);
        WebFilterChain slowHandler = handled -> Mono.delay(SLOW)
                .then(Mono.defer(() -> write(handled, HttpStatus.OK, buffers.wrap(late))))
                .doOnCancel(() -> cancelled.set(true))
                .doOnSuccess(done -> finished.set(true));

        long start = System.nanoTime();
        filter.filter(exchange, slowHandler)
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        long took = (System.nanoTime() - start) / 1_000_000;

        MockServerHttpResponse response = exchange.getResponse();
        assertThat(took).as("answered at the bound, ms").isBetween(BOUND.toMillis(), SLOW.toMillis() - 1);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("10");
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getHeaders().getConnection()).containsExactly("close");
        JsonNode problem = json.readTree(response.getBodyAsString().block(Duration.ofSeconds(5)));
        assertThat(problem.path("status").asInt()).isEqualTo(503);
        assertThat(problem.path("title").asString()).isEqualTo("Service Unavailable");
        assertThat(problem.path("instance").asString()).as("the path, without the query").isEqualTo("/api/canned");
        assertThat(timedOut()).isEqualTo(1);

        await(finished, "the handler's work to finish on its own");
        assertThat(cancelled).as("the handler's work cancelled").isFalse();
        assertThat(late.refCnt()).as("the late answer's buffer released").isZero();
        assertThat(response.getStatusCode()).as("the late answer dropped").isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(response.getBodyAsString().block(Duration.ofSeconds(5))).contains("\"status\":503");
    }

    /**
     * The security chain writes its headers as an answer is committed; the 503 has them too, whether its request
     * timed out before the chain ran (e.g. in a filter ahead of it) or after (in a controller, or the login's account
     * lookup, which is the chain's), and whatever the handler had set before: its Cache-Control would keep the
     * chain's from being written. Headers set ahead of the bound (CORS) stay.
     */
    @ParameterizedTest
    @CsvSource({ "before the security chain ran, false", "after the security chain ran, true" })
    void theTimeoutsAnswerCarriesTheSecurityHeadersOfANormalAnswer(String when, boolean chainRan) {
        MockServerWebExchange normal = MockServerWebExchange.from(MockServerHttpRequest.get("/api/canned"));
        filter.filter(normal, handled -> throughSecurity(handled, answered -> write(answered, HttpStatus.OK,
                        text("[]"))))
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        HttpHeaders securityHeaders = normal.getResponse().getHeaders();
        assertThat(securityHeaders.headerNames()).as("the chain's headers on a normal answer")
                .contains("X-Frame-Options", "X-Content-Type-Options", HttpHeaders.CACHE_CONTROL);

        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/canned"));
        exchange.getResponse().getHeaders().setAccessControlAllowOrigin("https://lab1.test");
        WebFilterChain slowHandler = handled -> {
            handled.getResponse().getHeaders().setCacheControl("max-age=3600");
            handled.getResponse().getHeaders().setETag("\"v1\"");
            Mono<Void> slowAnswer = Mono.delay(SLOW).then(Mono.defer(() -> write(handled, HttpStatus.OK, text("[]"))));
            return chainRan ? throughSecurity(handled, answered -> slowAnswer) : slowAnswer;
        };
        filter.filter(exchange, slowHandler)
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        HttpHeaders headers = exchange.getResponse().getHeaders();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        securityHeaders.forEach((name, values) -> assertThat(headers.get(name)).as(name + ", " + when)
                .isEqualTo(values));
        assertThat(headers.getETag()).as("the handler's validator").isNull();
        assertThat(headers.getAccessControlAllowOrigin()).isEqualTo("https://lab1.test");
    }

    @Test
    void aClientThatGoesAwayDoesNotCancelTheWork() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/api/offline-forms"));
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();

        filter.filter(exchange, handled -> Mono.delay(SLOW)
                        .then(Mono.defer(() -> write(handled, HttpStatus.CREATED, text("stored"))))
                        .doOnCancel(() -> cancelled.set(true))
                        .doOnSuccess(done -> finished.set(true)))
                .as(StepVerifier::create)
                .expectSubscription()
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        await(finished, "the work to finish on its own");
        assertThat(cancelled).as("the work cancelled").isFalse();
    }

    /** A controller's {@code Flux} or {@code Mono} result is read from the database as the body is written. */
    @Test
    void aBodyStillWaitingForItsFirstBytesHasNotBegunTheAnswer() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/cards?q=Иван"));
        AtomicBoolean cancelled = new AtomicBoolean();
        List<ByteBuf> rows = List.of(Unpooled.copiedBuffer("[1", StandardCharsets.UTF_8),
                Unpooled.copiedBuffer(",2]", StandardCharsets.UTF_8));
        Flux<DataBuffer> body = Flux.concat(Mono.delay(SLOW).map(tick -> (DataBuffer) buffers.wrap(rows.get(0))),
                        Mono.fromSupplier(() -> buffers.wrap(rows.get(1))))
                .doOnCancel(() -> cancelled.set(true));
        AtomicBoolean finished = new AtomicBoolean();

        filter.filter(exchange, handled -> handled.getResponse().writeWith(body).doOnSuccess(done -> finished.set(true)))
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        await(finished, "the body to be read to its end");
        assertThat(cancelled).as("the body cancelled").isFalse();
        assertThat(rows).as("every late buffer released").allMatch(row -> row.refCnt() == 0);
    }

    @Test
    void anAnswerThatHasBegunIsTheHandlersHoweverLongTheRestTakes() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/supervisor/overview"));
        Flux<DataBuffer> body = Flux.concat(Mono.fromSupplier(() -> text("first,")),
                Mono.delay(SLOW).map(tick -> text("then the rest")));

        filter.filter(exchange, handled -> {
                    handled.getResponse().setStatusCode(HttpStatus.OK);
                    return handled.getResponse().writeWith(body);
                })
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
                .isEqualTo("first,then the rest");
        assertThat(timedOut()).isZero();
    }

    @Test
    void aStreamIsTheHandlersFromItsStart() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/events")
                .accept(MediaType.TEXT_EVENT_STREAM));

        filter.filter(exchange, handled -> {
                    handled.getResponse().setStatusCode(HttpStatus.OK);
                    return handled.getResponse()
                            .writeAndFlushWith(Flux.just(Mono.delay(SLOW).map(tick -> text("data: late\n\n"))));
                })
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5))).isEqualTo("data: late\n\n");
        assertThat(timedOut()).isZero();
    }

    /** Their time is the client's link's (or the messenger platform's): never answered 503 for it. */
    @ParameterizedTest
    @CsvSource({ "POST, /api/widget/files?site=lab1&dialogId=d&clientMsgId=c&name=a.pdf",
            "GET, /api/widget/files?site=lab1&dialogId=d&clientMsgId=c",
            "GET, /api/dialogs/7f0c1d52-7a51-4c56-a3f3-5d7c43f7c1a9/files/c-1",
            "GET, /api/channel/files/7f0c1d52-7a51-4c56-a3f3-5d7c43f7c1a9",
            "POST, /channel/telegram/applicants",
            "GET, /ws/agent" })
    void fileTransfersSocketsAndWebhooksAreNotBounded(String method, String uri) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.method(HttpMethod.valueOf(method), uri);
        if (uri.startsWith("/ws/")) {
            request.header(HttpHeaders.UPGRADE, "websocket");
        }
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        AtomicBoolean cancelled = new AtomicBoolean();

        filter.filter(exchange, handled -> Mono.delay(SLOW)
                        .then(Mono.defer(() -> write(handled, HttpStatus.CREATED, text("stored"))))
                        .doOnCancel(() -> cancelled.set(true)))
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5))).isEqualTo("stored");
        assertThat(cancelled).isFalse();
        assertThat(timedOut()).isZero();
    }

    @Test
    void anUploadIsNotBoundedEvenWhenItsBodyComesSlowly() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest
                .post("/api/widget/files?site=lab1&dialogId=d&clientMsgId=c&name=a.pdf")
                .body(Flux.concat(Mono.fromSupplier(() -> text("part 1 ")),
                        Mono.delay(SLOW).map(tick -> text("part 2")))));

        filter.filter(exchange, handled -> handled.getRequest().getBody()
                        .map(RequestTimeoutTests::string)
                        .collectList()
                        .flatMap(parts -> write(handled, HttpStatus.CREATED, text(String.join("", parts)))))
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5))).isEqualTo("part 1 part 2");
        assertThat(timedOut()).isZero();
    }

    private Mono<Void> throughSecurity(ServerWebExchange exchange, WebFilterChain handler) {
        return new WebFilterChainProxy(security).filter(exchange, handler);
    }

    private double timedOut() {
        return registry.get("gateway.web.requests.timed.out").counter().count();
    }

    private DataBuffer text(String text) {
        return buffers.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String string(DataBuffer buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private static Mono<Void> write(ServerWebExchange exchange, HttpStatus status, DataBuffer body) {
        exchange.getResponse().setStatusCode(status);
        return exchange.getResponse().writeWith(Mono.just(body));
    }

    private static void await(AtomicBoolean condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError(ex);
            }
        }
    }
}
