package ru.rosdistant.gateway.agent;

import java.util.Locale;

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
import ru.rosdistant.gateway.cluster.SharedBuckets;
import ru.rosdistant.gateway.web.ClientAddress;

/**
 * Slows password guessing: after a number of failures a login, or a client address, is locked for a while, and
 * every way of presenting a password (the console's form login, HTTP Basic) is refused with 429 without the password
 * being checked. {@link #guard} wraps the password check both use, so they share one count. Each failure takes a token
 * from a bucket of the login and one of the address ({@code cluster.SharedBuckets}: in Redis for all nodes, or in
 * memory at the limit divided by the live nodes): a bucket holds the limit and refills at the limit per
 * {@code gateway.login.lock}, so once locked a login gets one more try per lock/limit. Its {@link #filter} runs in the security chain right after the header writer
 * ({@code system.WebSecurity}): it tells the guard the client's address, and answers an unreadable login form 400 with the
 * security headers of every other answer; it is not a WebFilter bean of its own, which would run it a second time
 * outside the chain.
 */
@Component
public class LoginThrottle {

    private static final int MAX_TRACKED = 100_000;

    /** the client's address, in the Reactor context of the request */
    private static final String CLIENT = LoginThrottle.class.getName() + ".client";

    private final LoginProperties properties;

    private final SharedBuckets.Bucket byLogin;

    private final SharedBuckets.Bucket byClient;

    LoginThrottle(LoginProperties properties, SharedBuckets shared) {
        this.properties = properties;
        double lockSeconds = Math.max(1, properties.lock().toMillis() / 1000.0);
        this.byLogin = shared.bucket("login-failures", properties.failuresPerLogin() / lockSeconds,
                properties.failuresPerLogin(), MAX_TRACKED);
        this.byClient = shared.bucket("login-failures-client", properties.failuresPerClient() / lockSeconds,
                properties.failuresPerClient(), MAX_TRACKED);
    }

    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
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
    public ReactiveAuthenticationManager guard(ReactiveAuthenticationManager passwords) {
        return authentication -> Mono.deferContextual(context -> {
            String login = String.valueOf(authentication.getName()).toLowerCase(Locale.ROOT);
            String client = context.getOrDefault(CLIENT, "unknown");
            Mono<Authentication> checked = login.indexOf('\u0000') >= 0
                    || String.valueOf(authentication.getCredentials()).indexOf('\u0000') >= 0
                            // PostgreSQL text cannot hold U+0000 (HTTP Basic can carry it)
                            ? Mono.error(new BadCredentialsException("U+0000 in the login or password"))
                            : passwords.authenticate(authentication);
            return Mono.zip(byLogin.peek(login), byClient.peek(client))
                    .flatMap(waits -> waits.getT1().isPresent() || waits.getT2().isPresent()
                            ? Mono.<Authentication>error(new LoginLocked())
                            : checked.flatMap(success -> byLogin.forget(login).thenReturn(success))
                                    .onErrorResume(error -> error instanceof AuthenticationException
                                            && !(error instanceof AuthenticationServiceException),
                                            failure -> Mono.when(byLogin.tryAcquire(login), byClient.tryAcquire(client))
                                                    .then(Mono.error(failure))));
        });
    }

    /** The answer to a locked login, whichever way the password came: 429, Retry-After, a problem body. */
    public Mono<Void> refuse(ServerWebExchange exchange) {
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(properties.lock().toSeconds()));
        return problem(exchange, HttpStatus.TOO_MANY_REQUESTS, "Too many failed logins; try again later");
    }

    /** A password refused unchecked: the login or the client address is locked. */
    public static final class LoginLocked extends AuthenticationException {

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

    private static String client(ServerWebExchange exchange) {
        return ClientAddress.of(exchange.getRequest());
    }
}
