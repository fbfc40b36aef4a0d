package ru.rosdistant.gateway.offline;

import java.util.List;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsWebFilter;
import ru.rosdistant.gateway.site.Site;
import ru.rosdistant.gateway.site.Sites;

/**
 * CORS for the offline form only: the widget posts it from the host site's page, a cross-origin request
 * with a JSON body, so the browser asks first. Pages of any configured site are answered (the controller
 * then holds each site to its own origins); other origins get no CORS headers, so the browser does not
 * send, and a non-browser client that sends anyway gets the controller's 403.
 */
@Configuration(proxyBeanMethods = false)
class OfflineFormCors {

    @Bean
    @Order(-300)
    CorsWebFilter offlineFormCorsFilter(Sites sites) {
        CorsConfiguration allowed = new CorsConfiguration();
        allowed.setAllowedOrigins(sites.all()
                .stream()
                .map(Site::allowedOrigins)
                .flatMap(List::stream)
                .distinct()
                .toList());
        allowed.setAllowedMethods(List.of(HttpMethod.POST.name()));
        allowed.setAllowedHeaders(List.of(HttpHeaders.CONTENT_TYPE));
        allowed.setAllowCredentials(false);
        allowed.setMaxAge(3600L);
        return new CorsWebFilter(exchange -> {
            if (!exchange.getRequest().getPath().value().equals(OfflineFormController.PATH)) {
                return null;
            }
            String origin = exchange.getRequest().getHeaders().getFirst(HttpHeaders.ORIGIN);
            return allowed.checkOrigin(origin) == null ? null : allowed;
        });
    }
}
