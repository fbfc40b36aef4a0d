package ru.rosdistant.gateway.system;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.config.annotation.method.configuration.EnableReactiveMethodSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.authentication.UserDetailsRepositoryReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionIdResolver;
import org.springframework.web.server.session.WebSessionManager;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.context.ServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.authentication.HttpStatusServerEntryPoint;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebSession;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentAccount;
import ru.rosdistant.gateway.agent.LoginThrottle;
import ru.rosdistant.gateway.agent.PersistentWebSessions;

/**
 * Who may reach what. Visitors, the widget and the demo pages are public; the console's REST and socket
 * need a logged-in agent; /api/admin needs ADMIN; /actuator/prometheus a SUPERVISOR or ADMIN (or the management
 * port of its own, when one is configured). The console logs in with a form POST to /login and keeps
 * a session cookie (SameSite=Lax, HttpOnly), which a cross-site page cannot send; REST clients may use
 * HTTP Basic, behind the same login throttle. A session's requests get the agent's current roles
 * ({@code agent.CurrentAccountContexts}). No redirects: the console is a script, so it gets 401 and JSON.
 */
@Configuration(proxyBeanMethods = false)
@EnableReactiveMethodSecurity
class WebSecurity {

    @Bean
    PasswordEncoder passwordEncoder() {
        return new BCryptPasswordEncoder();
    }

    /**
     * Boot's session manager with the cookie it configures ({@code server.reactive.session.cookie}), but with
     * sessions that survive a restart ({@link PersistentWebSessions}): after a crash the consoles reconnect
     * without a new log-in.
     */
    @Bean(WebHttpHandlerBuilder.WEB_SESSION_MANAGER_BEAN_NAME)
    WebSessionManager webSessionManager(PersistentWebSessions sessions, ObjectProvider<WebSessionIdResolver> resolver) {
        DefaultWebSessionManager manager = new DefaultWebSessionManager();
        manager.setSessionStore(sessions);
        resolver.ifAvailable(manager::setSessionIdResolver);
        return manager;
    }

    /**
     * The visitor socket needs no security context: visitors are identified by their token inside the
     * socket, and the site's Origin is checked by {@code VisitorHandshakeGuard}. Without this chain every
     * visitor socket would load (and keep, for its lifetime) a web session and a security context.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityWebFilterChain visitorSocketChain(ServerHttpSecurity http) {
        return http
                .securityMatcher(ServerWebExchangeMatchers.pathMatchers("/ws/visitor"))
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .build();
    }

    /**
     * The pages the gateway serves (the console, the demo pages with the widget) run only their own scripts, from the
     * gateway's origin; styles may be inline (the demo pages' and the widget's own {@code <style>}), nothing else is.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
            + "base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    /** What anyone may reach: the pages, the widget's and the offline form's doors, the login, health. */
    static final List<String> PUBLIC_PATHS = List.of("/", "/index.html", "/demo/**", "/widget/**", "/console",
            "/console/**", "/api/offline-forms", "/api/widget/**", "/result.html", "/result.js",
            "/api/result-receipts/*", "/favicon.ico", "/ws/visitor", "/api/sites", "/login", "/actuator/health/**",
            "/actuator/health", "/actuator/info");

    /**
     * What only some roles may reach, after {@link #PUBLIC_PATHS} and in this order (the first rule that matches a path
     * decides); any other path needs a logged-in member of staff. {@link ApiDocs} names each operation's roles from
     * the same rules.
     */
    static final List<RoleRule> ROLE_RULES = List.of(
            new RoleRule(List.of("/actuator/prometheus"), List.of("SUPERVISOR", "ADMIN")),
            new RoleRule(List.of("/api/admin/**", "/actuator/**"), List.of("ADMIN")),
            new RoleRule(List.of("/api/supervisor/**"), List.of("SUPERVISOR", "ADMIN")));

    /** Paths (Ant patterns) and the roles, any one of which lets a request through. */
    record RoleRule(List<String> paths, List<String> roles) {
    }

    @Bean
    SecurityWebFilterChain securityFilterChain(ServerHttpSecurity http, PersistentWebSessions sessions, JsonMapper json,
            LoginThrottle throttle, ReactiveUserDetailsService users, PasswordEncoder passwords,
            ServerSecurityContextRepository contexts, Environment environment) {
        HttpStatusServerEntryPoint unauthorized = new HttpStatusServerEntryPoint(HttpStatus.UNAUTHORIZED);
        UserDetailsRepositoryReactiveAuthenticationManager checkPassword =
                new UserDetailsRepositoryReactiveAuthenticationManager(users);
        checkPassword.setPasswordEncoder(passwords);
        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .headers(headers -> headers
                        .frameOptions(frames -> frames.mode(XFrameOptionsServerHttpHeadersWriter.Mode.SAMEORIGIN))
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY)))
                // after the header writer: a locked login's 429 and an unreadable form's 400 have them
                .addFilterAfter(throttle::filter, SecurityWebFiltersOrder.HTTP_HEADERS_WRITER)
                // every way to present a password (the form, HTTP Basic) goes through the same throttle
                .authenticationManager(throttle.guard(checkPassword))
                // a session's request carries the agent's current roles, and nothing once their access changed
                .securityContextRepository(contexts)
                .authorizeExchange(exchanges -> {
                    exchanges.pathMatchers(PUBLIC_PATHS.toArray(String[]::new))
                            .permitAll()
                            .matchers(onSeparateManagementPort(environment))
                            .permitAll();
                    ROLE_RULES.forEach(rule -> exchanges.pathMatchers(rule.paths().toArray(String[]::new))
                            .hasAnyRole(rule.roles().toArray(String[]::new)));
                    exchanges.anyExchange().authenticated();
                })
                .formLogin(form -> form
                        .loginPage("/console")
                        .requiresAuthenticationMatcher(ServerWebExchangeMatchers.pathMatchers(HttpMethod.POST, "/login"))
                        .authenticationEntryPoint(unauthorized)
                        // the session is stored by the success handler, before the answer (PersistentWebSessions.logIn)
                        .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                        .authenticationSuccessHandler((exchange, authentication) -> loggedIn(exchange.getExchange(),
                                authentication, sessions, json))
                        .authenticationFailureHandler((exchange, failure) -> refused(exchange.getExchange(), failure,
                                throttle, json, wrongPassword(exchange.getExchange(), json))))
                // a wrong Basic password is answered as the form's: 401 with a problem body
                .httpBasic(basic -> basic
                        .authenticationEntryPoint(unauthorized)
                        .authenticationFailureHandler((exchange, failure) -> refused(exchange.getExchange(), failure,
                                throttle, json, wrongPassword(exchange.getExchange(), json))))
                .exceptionHandling(handling -> handling.authenticationEntryPoint(unauthorized))
                .logout(logout -> logout
                        .logoutUrl("/logout")
                        // the session ends here, with the sockets opened with it (PersistentWebSessions)
                        .logoutHandler((exchange, authentication) -> exchange.getExchange()
                                .getSession()
                                .flatMap(WebSession::invalidate))
                        .logoutSuccessHandler((exchange, authentication) -> Mono.fromRunnable(
                                () -> exchange.getExchange().getResponse().setStatusCode(HttpStatus.OK))))
                .build();
    }

    /** A password not accepted: locked (429), not checkable (503), or wrong ({@code wrong}). */
    private static Mono<Void> wrongPassword(ServerWebExchange exchange,
            JsonMapper json) {
        return writeJson(exchange.getResponse(), json, HttpStatus.UNAUTHORIZED, Map.of("type", "about:blank",
                "title", "Unauthorized", "status", 401, "detail", "Wrong login or password, or the account is disabled"));
    }

    private static Mono<Void> refused(ServerWebExchange exchange, AuthenticationException failure,
            LoginThrottle throttle, JsonMapper json, Mono<Void> wrong) {
        if (failure instanceof LoginThrottle.LoginLocked) {
            return throttle.refuse(exchange);
        }
        if (failure instanceof AuthenticationServiceException) {
            return unavailable(exchange, json);
        }
        return wrong;
    }

    /**
     * A request to the management server when it has a port of its own ({@code management.server.port}, to be bound
     * to the monitoring network with {@code management.server.address}): Prometheus scrapes there without a login.
     */
    private static ServerWebExchangeMatcher onSeparateManagementPort(Environment environment) {
        Integer management = environment.getProperty("management.server.port", Integer.class);
        Integer server = environment.getProperty("server.port", Integer.class, 8080);
        if (management == null || management <= 0 || management.equals(server)) {
            return exchange -> ServerWebExchangeMatcher.MatchResult.notMatch();
        }
        return exchange -> {
            InetSocketAddress local = exchange.getRequest().getLocalAddress();
            return local != null && local.getPort() == management
                    && exchange.getRequest().getPath().pathWithinApplication().value().equals("/actuator/prometheus")
                    ? ServerWebExchangeMatcher.MatchResult.match()
                    : ServerWebExchangeMatcher.MatchResult.notMatch();
        };
    }

    /**
     * The agent's session is stored, then the login answered with who they are: a 200 always comes with the cookie
     * of a stored session, and a session that could not be stored is a 503 (the failure handler's, or the request
     * bound's) without one.
     */
    private static Mono<Void> loggedIn(ServerWebExchange exchange, Authentication authentication,
            PersistentWebSessions sessions, JsonMapper json) {
        Agent agent = ((AgentAccount) authentication.getPrincipal()).agent();
        return sessions.logIn(exchange, authentication)
                .then(Mono.defer(() -> writeJson(exchange.getResponse(), json, HttpStatus.OK, Map.of("login",
                        agent.login(), "displayName", agent.displayName(), "roles", agent.roles()))));
    }

    /** The login could not be checked (the database did not answer): not the user's fault, not counted. */
    private static Mono<Void> unavailable(ServerWebExchange exchange, JsonMapper json) {
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "5");
        return writeJson(exchange.getResponse(), json, HttpStatus.SERVICE_UNAVAILABLE, Map.of("type", "about:blank",
                "title", "Service Unavailable", "status", 503, "detail",
                "Logging in is not possible for a moment (the account store does not answer); try again"));
    }

    private static Mono<Void> writeJson(ServerHttpResponse response, JsonMapper json, HttpStatus status,
            Map<String, Object> body) {
        response.setStatusCode(status);
        response.getHeaders().setContentType(status.isError() ? MediaType.APPLICATION_PROBLEM_JSON
                : MediaType.APPLICATION_JSON);
        byte[] bytes = json.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)));
    }
}
