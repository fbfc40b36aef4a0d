package ru.rosdistant.gateway.widget;

import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import ru.rosdistant.gateway.site.Sites;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

@Configuration(proxyBeanMethods = false)
class WidgetRoutes {

    @Bean
    HandlerMapping visitorSocketMapping(VisitorSocket socket) {
        return new SimpleUrlHandlerMapping(Map.of("/ws/visitor", socket), -1);
    }

    /** The sites, for the demo page and for site owners checking their embed. */
    @Bean
    RouterFunction<ServerResponse> sitesList(Sites sites) {
        return route(GET("/api/sites"), request -> ServerResponse.ok()
                .bodyValue(sites.all().stream()
                        .map(site -> Map.of("id", site.id(), "name", site.name(), "host", site.host(), "line",
                                site.line()))
                        .toList()));
    }
}
