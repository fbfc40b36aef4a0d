package ru.rosdistant.gateway.widget;

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
 * Refuses a visitor handshake before the upgrade when the site is unknown or the page's Origin is not
 * one of the site's (a browser always sends Origin with a WebSocket handshake).
 */
@Component
@Order(-200)
class VisitorHandshakeGuard implements WebFilter {

    private final Sites sites;

    VisitorHandshakeGuard(Sites sites) {
        this.sites = sites;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!exchange.getRequest().getPath().value().equals("/ws/visitor")) {
            return chain.filter(exchange);
        }
        String siteId = exchange.getRequest().getQueryParams().getFirst("site");
        String origin = exchange.getRequest().getHeaders().getFirst(HttpHeaders.ORIGIN);
        boolean allowed = sites.site(siteId)
                .map(site -> sites.originAllowed(site, origin, exchange.getRequest().getURI()))
                .orElse(false);
        if (!allowed) {
            exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
            return exchange.getResponse().setComplete();
        }
        return chain.filter(exchange);
    }
}
