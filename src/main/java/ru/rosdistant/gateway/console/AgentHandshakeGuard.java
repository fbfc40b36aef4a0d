package ru.rosdistant.gateway.console;

import reactor.core.publisher.Mono;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import ru.rosdistant.gateway.site.Sites;

/**
 * Refuses cross-site WebSocket hijacking: a page of another origin that carries an agent's cookie cannot
 * open the agent socket. Runs before the security chain, so the answer is 403 whatever the cookie.
 */
@Component
@Order(-200)
class AgentHandshakeGuard implements WebFilter {

    private final ConsoleProperties properties;

    AgentHandshakeGuard(ConsoleProperties properties) {
        this.properties = properties;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().equals("/ws/agent")) {
            return chain.filter(exchange);
        }
        String origin = exchange.getRequest().getHeaders().getFirst(HttpHeaders.ORIGIN);
        boolean allowed = Sites.isSameOrigin(origin, exchange.getRequest().getURI())
                || (origin != null && properties.allowedOrigins().stream().anyMatch(origin::equalsIgnoreCase));
        if (!allowed) {
            exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
            return exchange.getResponse().setComplete();
        }
        return chain.filter(exchange);
    }
}
