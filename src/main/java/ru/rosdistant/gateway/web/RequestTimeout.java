package ru.rosdistant.gateway.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.header.HttpHeaderWriterWebFilter;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Bounds how long a request waits for its answer ({@code gateway.web.request-timeout}): a request whose handler
 * has not begun to answer by then (R2DBC has no client-side statement timeout, so a database that holds its
 * statements without answering would hold the request for good) is answered 503 with {@code Retry-After}, as
 * during a database outage. The handler's work is not cancelled — cancelling an R2DBC query in flight can spoil
 * its pooled connection (docs/reliability.md, finding 3) —: it runs to its end detached from the request, as a
 * socket frame's work does, and its late answer is dropped ({@link GatedResponse}). An answer that has begun is
 * the handler's, however long it takes.
 * <p>
 * The 503 carries the security headers (X-Frame-Options, Cache-Control, …) of every other answer, written by the
 * request's own security chain's writer: the chain writes them as an answer is committed, but on the handler's
 * response, whose headers no longer reach the client once the 503 has taken it over (and a request can time
 * out before its chain has run at all).
 */
@Component
@Order(RequestTimeout.ORDER)
class RequestTimeout implements WebFilter {

    /**
     * After the CORS filters (-301, -300: a preflight needs no database, and the 503 keeps their headers so the
     * widget can read it), before the security chain (-100, where the login throttle runs too), so that a login, whose
     * account lookup is the security chain's, is bounded too.
     */
    static final int ORDER = -250;

    /**
     * Not bounded: sockets (they last), file up- and downloads (their time is the client's link's), and the
     * messengers' webhooks (an update may carry a file the gateway downloads from the platform, and the platform
     * times out and sends again by itself).
     */
    private static final List<PathPattern> UNBOUNDED = Stream.of("/ws/**", "/api/widget/files",
                    "/api/dialogs/*/files/*", "/api/channel/files/*", "/channel/**")
            .map(PathPatternParser.defaultInstance::parse)
            .toList();

    /** as the offline form's and the webhooks' 503 during a database outage */
    private static final String RETRY_AFTER_SECONDS = "10";

    private static final Pattern WORD = Pattern.compile("[A-Za-z-]{0,40}");

    private static final Logger log = LoggerFactory.getLogger(RequestTimeout.class);

    private final Duration bound;

    private final Counter timedOut;

    private final JsonMapper json;

    /** in the order Spring Security tries them: a request is the first matching one's */
    private final List<SecurityWebFilterChain> securityChains;

    RequestTimeout(WebRequestProperties properties, MeterRegistry registry, JsonMapper json,
            List<SecurityWebFilterChain> securityChains) {
        this.bound = properties.requestTimeout();
        this.json = json;
        this.securityChains = securityChains;
        // Jackson builds a type's serializer on first use, under a lock: not on the timer's thread at the first 503
        json.writeValueAsBytes(problem("/"));
        this.timedOut = Counter.builder("gateway.web.requests.timed.out")
                .description("Requests answered 503 because their handler had not begun to answer within "
                        + "gateway.web.request-timeout")
                .register(registry);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!bounded(exchange.getRequest())) {
            return chain.filter(exchange);
        }
        GatedResponse gated = new GatedResponse(exchange.getResponse());
        ServerWebExchange handled = exchange.mutate().response(gated).build();
        return Mono.deferContextual(context -> {
            // subscribed here, not by the client's request: neither the bound nor a client that goes away cancels it
            CompletableFuture<Void> work = Mono.defer(() -> chain.filter(handled))
                    // a client that went away (a probe's own timeout, a closed tab) no longer cancels the work, so
                    // its answer now meets a closed connection: nobody is there to tell, nothing to report
                    .onErrorResume(RequestTimeout::clientGone, gone -> Mono.empty())
                    .contextWrite(context)
                    .toFuture();
            return Mono.fromFuture(work, true)
                    .timeout(bound, Mono.defer(() -> late(exchange, gated, work)));
        });
    }

    private static boolean clientGone(Throwable error) {
        return error instanceof AbortedException || AbortedException.isConnectionReset(error);
    }

    private boolean bounded(ServerHttpRequest request) {
        if (bound.isZero() || bound.isNegative() || request.getHeaders().getFirst(HttpHeaders.UPGRADE) != null) {
            return false;
        }
        PathContainer path = request.getPath().pathWithinApplication();
        return UNBOUNDED.stream().noneMatch(pattern -> pattern.matches(path));
    }

    private Mono<Void> late(ServerWebExchange exchange, GatedResponse gated, CompletableFuture<Void> work) {
        if (!gated.takeOver()) {
            // the handler has begun its answer: the client gets it, however long the rest takes
            return Mono.fromFuture(work, true);
        }
        timedOut.increment();
        String request = exchange.getRequest().getMethod().name() + " " + routeOf(exchange);
        log.warn("{} got no answer within {}; answered 503, its work goes on", request, shown(bound));
        long answeredAt = System.nanoTime();
        work.whenComplete((done, error) -> log.debug("{} finished {} ms after its 503{}", request,
                (System.nanoTime() - answeredAt) / 1_000_000, error == null ? "" : ": " + error));
        return unavailable(exchange);
    }

    /** Written on the exchange as it came in: {@code gated}'s delegate, without the handler's gate. */
    private Mono<Void> unavailable(ServerWebExchange exchange) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        HttpHeaders headers = response.getHeaders();
        headers.clearContentHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        // the request's work goes on and still holds this exchange: the client's next request gets a new connection
        headers.setConnection("close");
        byte[] body = json.writeValueAsBytes(problem(exchange.getRequest().getPath().value()));
        headers.setContentLength(body.length);
        return securityHeaders(exchange)
                .flatMap(writer -> writer.filter(exchange,
                        written -> response.writeWith(Mono.just(response.bufferFactory().wrap(body)))));
    }

    /**
     * The header writer of the security chain the request is for ({@code HttpHeaderWriterWebFilter}, which writes
     * them as the response is committed), or none when that chain writes none.
     */
    private Mono<WebFilter> securityHeaders(ServerWebExchange exchange) {
        return Flux.fromIterable(securityChains)
                .concatMap(chain -> chain.matches(exchange)
                        .filter(Boolean::booleanValue)
                        .map(matches -> chain))
                .next()
                .flatMapMany(SecurityWebFilterChain::getWebFilters)
                .filter(HttpHeaderWriterWebFilter.class::isInstance)
                .next()
                .defaultIfEmpty((unchanged, chain) -> chain.filter(unchanged));
    }

    private Problem problem(String path) {
        return new Problem("about:blank", "Service Unavailable", 503, "No answer within " + shown(bound)
                + " (the database does not answer in time). The request may still take effect: try again shortly "
                + "(a form sent again with the same clientFormId is stored once)", path);
    }

    /**
     * The route's pattern; before the request is routed (still in the security chain, e.g. a login) its path with
     * every segment that is not a plain word masked: no ids, names or query string in the log.
     */
    static String routeOf(ServerWebExchange exchange) {
        Object pattern = exchange.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (pattern != null) {
            return pattern.toString();
        }
        return Stream.of(exchange.getRequest().getPath().pathWithinApplication().value().split("/", -1))
                .limit(10)
                .map(segment -> WORD.matcher(segment).matches() ? segment : "*")
                .collect(Collectors.joining("/"));
    }

    private static String shown(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /** RFC 9457, in the shape of the gateway's other 503 answers. */
    record Problem(String type, String title, int status, String detail, String instance) {
    }
}
