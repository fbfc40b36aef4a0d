package ru.rosdistant.gateway.agent;

import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.server.context.ServerSecurityContextRepository;
import org.springframework.security.web.server.context.WebSessionServerSecurityContextRepository;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebSession;

/**
 * The security context of a console session's request, with the agent as they are now rather than as they logged
 * in: their current roles, and nothing at all once they are disabled, gone, or their security stamp moved on (a new
 * password): then the session ends. The account is read through {@link CurrentAccounts} (at most once a second per
 * login). While PostgreSQL cannot answer, the session keeps the account it had: no change can be made then either.
 * The context's details are the session's handle ({@link PersistentWebSessions#handle}), which the agent's sockets
 * are known by.
 */
@Component
class CurrentAccountContexts implements ServerSecurityContextRepository {

    private static final Logger log = LoggerFactory.getLogger(CurrentAccountContexts.class);

    /** past this the check gives up and the session keeps its account; the request itself is bounded elsewhere */
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final WebSessionServerSecurityContextRepository stored = new WebSessionServerSecurityContextRepository();

    private final CurrentAccounts accounts;

    CurrentAccountContexts(CurrentAccounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public Mono<Void> save(ServerWebExchange exchange, SecurityContext context) {
        return stored.save(exchange, context);
    }

    @Override
    public Mono<SecurityContext> load(ServerWebExchange exchange) {
        return exchange.getSession().flatMap(this::current);
    }

    private Mono<SecurityContext> current(WebSession session) {
        AgentAccount then = PersistentWebSessions.accountOf(session.getAttribute(PersistentWebSessions.CONTEXT));
        if (then == null) {
            return Mono.empty();
        }
        return accounts.current(then.getUsername())
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .timeout(CHECK_TIMEOUT)
                .onErrorResume(error -> {
                    log.debug("Could not check the account of a console session: {}", String.valueOf(error));
                    return Mono.just(Optional.of(then));
                })
                .flatMap(now -> now
                        .filter(account -> account.securityStamp() == then.securityStamp())
                        .map(account -> Mono.just(context(account, session)))
                        .orElseGet(() -> ended(session)));
    }

    private static SecurityContext context(AgentAccount account, WebSession session) {
        UsernamePasswordAuthenticationToken authentication = UsernamePasswordAuthenticationToken.authenticated(account,
                null, account.getAuthorities());
        authentication.setDetails(PersistentWebSessions.handle(session.getId()));
        return new SecurityContextImpl(authentication);
    }

    private static Mono<SecurityContext> ended(WebSession session) {
        return session.invalidate()
                .onErrorResume(error -> Mono.empty())
                .then(Mono.empty());
    }
}
