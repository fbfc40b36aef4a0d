package ru.rosdistant.gateway.live;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import ru.rosdistant.gateway.web.ClientAddress;

/**
 * At most {@code gateway.socket.max-per-client} open sockets ({@code /ws/visitor} and {@code /ws/agent} together) per
 * client address ({@link ClientAddress}: the proxy's client when the proxy is trusted). A socket takes its place when
 * it starts to run and gives it back when it ends ({@link SocketConnection}); a handshake from an address whose
 * places are all taken is refused with 429 before any socket is made. Two handshakes that race past that check for
 * the last place: the second socket is closed at once with {@link SocketConnection#TOO_MANY}. Per node.
 */
@Component
@Order(-210)
class SocketsPerClient implements WebFilter {

    private static final String SOCKETS = "/ws/";

    private final int max;

    private final Map<String, Integer> open = new ConcurrentHashMap<>();

    SocketsPerClient(SocketProperties limits) {
        this.max = limits.maxPerClient();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().startsWith(SOCKETS)
                || open.getOrDefault(ClientAddress.of(exchange.getRequest()), 0) < max) {
            return chain.filter(exchange);
        }
        return refuse(exchange.getResponse());
    }

    /** Takes one of the client's places; false when all are taken. */
    boolean take(String client) {
        AtomicBoolean taken = new AtomicBoolean();
        open.compute(client, (key, count) -> {
            int now = count == null ? 0 : count;
            if (now >= max) {
                return count;
            }
            taken.set(true);
            return now + 1;
        });
        return taken.get();
    }

    void release(String client) {
        open.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
    }

    private static Mono<Void> refuse(ServerHttpResponse response) {
        response.setStatusCode(HttpStatus.TOO_MANY_REQUESTS);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        response.getHeaders().set(HttpHeaders.RETRY_AFTER, "10");
        byte[] body = ("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"Too many open sockets from this address\"}").getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
