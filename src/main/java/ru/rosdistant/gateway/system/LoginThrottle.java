package ru.rosdistant.gateway.system;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import ru.rosdistant.gateway.web.ClientAddress;

/**
 * Slows password guessing at the console's login: after a number of failures a login, or a client
 * address, is locked for a while, and /login answers 429 without checking the password. Counters live in
 * memory (per node) and expire. Its {@link #filter} runs in the security chain right after the header writer
 * ({@code WebSecurity}), so its 429 and 400 carry the security headers of every other answer; it is not a
 * WebFilter bean of its own, which would run it a second time outside the chain.
 */
@Component
class LoginThrottle {

    private static final int MAX_TRACKED = 100_000;

    private final LoginProperties properties;

    LoginThrottle(LoginProperties properties) {
        this.properties = properties;
    }

    private final Map<String, Failures> byLogin = new ConcurrentHashMap<>();

    private final Map<String, Failures> byClient = new ConcurrentHashMap<>();

    Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getRequest().getMethod() != HttpMethod.POST
                || !exchange.getRequest().getPath().value().equals("/login")) {
            return chain.filter(exchange);
        }
        String client = client(exchange);
        return exchange.getFormData()
                .map(form -> {
                    if (String.valueOf(form.getFirst("username")).indexOf('\u0000') >= 0
                            || String.valueOf(form.getFirst("password")).indexOf('\u0000') >= 0) {
                        // PostgreSQL text cannot hold U+0000: the lookup of such a login failed with 500
                        throw new IllegalArgumentException("U+0000 in the form");
                    }
                    return String.valueOf(form.getFirst("username")).toLowerCase();
                })
                .flatMap(login -> {
                    if (locked(byLogin, login) || locked(byClient, client)) {
                        exchange.getResponse().getHeaders().set("Retry-After", String.valueOf(properties.lock().toSeconds()));
                        return problem(exchange, HttpStatus.TOO_MANY_REQUESTS,
                                "Too many failed logins; try again later");
                    }
                    exchange.getAttributes().put(LoginThrottle.class.getName(), new String[] { login, client });
                    return chain.filter(exchange);
                })
                // a form body that cannot be decoded (a bad %-escape): the REST fuzz drill found it ending in 500
                .onErrorResume(IllegalArgumentException.class, bad -> problem(exchange, HttpStatus.BAD_REQUEST,
                        "The login form cannot be read (a malformed %-escape or a control character)"));
    }

    /** An RFC 9457 problem body, as the other REST errors. */
    private static Mono<Void> problem(ServerWebExchange exchange, HttpStatus status, String detail) {
        exchange.getResponse().setStatusCode(status);
        exchange.getResponse().getHeaders().setContentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON);
        String body = "{\"type\":\"about:blank\",\"title\":\"" + status.getReasonPhrase() + "\",\"status\":"
                + status.value() + ",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"")
                        .replaceAll("[\\x00-\\x1F]", " ") + "\"}";
        return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory()
                .wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    /** Called by the login failure handler. */
    void failed(ServerWebExchange exchange) {
        String[] keys = exchange.getAttribute(LoginThrottle.class.getName());
        if (keys != null) {
            record(byLogin, keys[0], properties.failuresPerLogin());
            record(byClient, keys[1], properties.failuresPerClient());
        }
    }

    /** Called by the login success handler: the login's count starts again. */
    void succeeded(ServerWebExchange exchange) {
        String[] keys = exchange.getAttribute(LoginThrottle.class.getName());
        if (keys != null) {
            byLogin.remove(keys[0]);
        }
    }

    private boolean locked(Map<String, Failures> map, String key) {
        Failures failures = map.get(key);
        return failures != null && failures.lockedUntil > System.nanoTime();
    }

    private void record(Map<String, Failures> map, String key, int limit) {
        long lock = properties.lock().toNanos();
        if (map.size() > MAX_TRACKED) {
            long now = System.nanoTime();
            map.values().removeIf(failures -> failures.lastNanos < now - lock);
        }
        map.compute(key, (k, failures) -> {
            long now = System.nanoTime();
            Failures current = failures == null || failures.lastNanos < now - lock ? new Failures()
                    : failures;
            current.count++;
            current.lastNanos = now;
            if (current.count >= limit) {
                current.lockedUntil = now + lock;
                current.count = 0;
            }
            return current;
        });
    }

    private static String client(ServerWebExchange exchange) {
        return ClientAddress.of(exchange.getRequest());
    }

    private static final class Failures {

        int count;

        long lastNanos;

        long lockedUntil;
    }
}
