package ru.rosdistant.gateway.system;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import ru.rosdistant.gateway.web.ClientAddress;

/**
 * Slows password guessing: after a number of failures a login, or a client address, is locked for a while, and
 * every way of presenting a password (the console's form login, HTTP Basic) is refused with 429 without the password
 * being checked. {@link #guard} wraps the password check both use, so they share one count. Counters live in memory
 * (per node) and expire. Its {@link #filter} runs in the security chain right after the header writer
 * ({@code WebSecurity}): it tells the guard the client's address, and answers an unreadable login form 400 with the
 * security headers of every other answer; it is not a WebFilter bean of its own, which would run it a second time
 * outside the chain.
 */
@Component
class LoginThrottle {

    private static final int MAX_TRACKED = 100_000;

    /** the client's address, in the Reactor context of the request */
    private static final String CLIENT = LoginThrottle.class.getName() + ".client";

    private final LoginProperties properties;

    LoginThrottle(LoginProperties properties) {
        this.properties = properties;
    }

    private final Map<String, Failures> byLogin = new ConcurrentHashMap<>();

    private final Map<String, Failures> byClient = new ConcurrentHashMap<>();

    Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String client = client(exchange);
        if (exchange.getRequest().getMethod() != HttpMethod.POST
                || !exchange.getRequest().getPath().value().equals("/login")) {
            return chain.filter(exchange).contextWrite(context -> context.put(CLIENT, client));
        }
        return exchange.getFormData()
                .doOnNext(form -> {
                    if (String.valueOf(form.getFirst("username")).indexOf('\u0000') >= 0
                            || String.valueOf(form.getFirst("password")).indexOf('\u0000') >= 0) {
                        // PostgreSQL text cannot hold U+0000: the lookup of such a login failed with 500
                        throw new IllegalArgumentException("U+0000 in the form");
                    }
                })
                .then(Mono.defer(() -> chain.filter(exchange).contextWrite(context -> context.put(CLIENT, client))))
                // a form body that cannot be decoded (a bad %-escape): the REST fuzz drill found it ending in 500
                .onErrorResume(IllegalArgumentException.class, bad -> problem(exchange, HttpStatus.BAD_REQUEST,
                        "The login form cannot be read (a malformed %-escape or a control character)"));
    }

    /**
     * The password check behind the throttle: a locked login or client is refused with {@link LoginLocked} before the
     * password is looked at; a wrong password (or an unknown or disabled account) counts a failure against both; a
     * right one starts the login's count again. A check that could not be made (the database, an
     * {@link AuthenticationServiceException}) counts nothing.
     */
    ReactiveAuthenticationManager guard(ReactiveAuthenticationManager passwords) {
        return authentication -> Mono.deferContextual(context -> {
            String login = String.valueOf(authentication.getName()).toLowerCase(Locale.ROOT);
            String client = context.getOrDefault(CLIENT, "unknown");
            if (locked(byLogin, login) || locked(byClient, client)) {
                return Mono.error(new LoginLocked());
            }
            Mono<Authentication> checked = login.indexOf('\u0000') >= 0
                    || String.valueOf(authentication.getCredentials()).indexOf('\u0000') >= 0
                            // PostgreSQL text cannot hold U+0000 (HTTP Basic can carry it)
                            ? Mono.error(new BadCredentialsException("U+0000 in the login or password"))
                            : passwords.authenticate(authentication);
            return checked
                    .doOnNext(success -> byLogin.remove(login))
                    .doOnError(error -> error instanceof AuthenticationException
                            && !(error instanceof AuthenticationServiceException), failure -> {
                                record(byLogin, login, properties.failuresPerLogin());
                                record(byClient, client, properties.failuresPerClient());
                            });
        });
    }

    /** The answer to a locked login, whichever way the password came: 429, Retry-After, a problem body. */
    Mono<Void> refuse(ServerWebExchange exchange) {
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(properties.lock().toSeconds()));
        return problem(exchange, HttpStatus.TOO_MANY_REQUESTS, "Too many failed logins; try again later");
    }

    /** A password refused unchecked: the login or the client address is locked. */
    static final class LoginLocked extends AuthenticationException {

        LoginLocked() {
            super("Too many failed logins");
        }
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
