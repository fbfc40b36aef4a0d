package ru.rosdistant.gateway.console;

import java.security.Principal;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/** The console page at /console, the agent's own details, and the agent socket. */
@Configuration(proxyBeanMethods = false)
class ConsoleRoutes {

    @Bean
    RouterFunction<ServerResponse> consolePage() {
        ClassPathResource page = new ClassPathResource("static/console/index.html");
        return route(GET("/console").or(GET("/console/")),
                request -> ServerResponse.ok().contentType(MediaType.TEXT_HTML).bodyValue(page));
    }

    @Bean
    RouterFunction<ServerResponse> me(AgentDirectory agents) {
        return route(GET("/api/me"), request -> request.principal()
                .map(Principal::getName)
                .flatMap(agents::byLogin)
                .flatMap(agent -> ServerResponse.ok().bodyValue(Map.of("id", agent.id(), "login", agent.login(),
                        "displayName", agent.displayName(), "roles", agent.roles(), "lines", agent.lines())))
                .switchIfEmpty(Mono.defer(() -> ServerResponse.status(401).build())));
    }

    @Bean
    HandlerMapping agentSocketMapping(AgentSocket socket) {
        return new SimpleUrlHandlerMapping(Map.of("/ws/agent", socket), -1);
    }
}
