package ru.rosdistant.gateway.console;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.routing.AgentPresences;
import ru.rosdistant.gateway.site.Sites;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * {@code GET /api/console/directory} (any logged-in agent): where the console may forward a dialog, the lines
 * ({@code id}, {@code name}) and the enabled colleagues ({@code id}, {@code displayName}, {@code lines},
 * {@code presence}). No logins, roles or other account details.
 */
@Configuration(proxyBeanMethods = false)
class ColleagueDirectory {

    @Bean
    RouterFunction<ServerResponse> consoleDirectory(AgentDirectory agents, AgentPresences routing, Sites sites) {
        return route(GET("/api/console/directory"), request -> request.principal()
                .flatMap(principal -> agents.all()
                        .filter(Agent::enabled)
                        .sort(Comparator.comparing(Agent::displayName))
                        .map(agent -> {
                            Map<String, Object> view = new LinkedHashMap<>();
                            view.put("id", agent.id());
                            view.put("displayName", agent.displayName());
                            view.put("lines", agent.lines());
                            view.put("presence", routing.presenceOf(agent.id()).name());
                            return view;
                        })
                        .collectList())
                .flatMap(colleagues -> {
                    List<Map<String, Object>> lines = sites.lines()
                            .stream()
                            .map(line -> Map.<String, Object>of("id", line.id(), "name", line.name()))
                            .toList();
                    return ServerResponse.ok().bodyValue(Map.of("lines", lines, "agents", colleagues));
                })
                .switchIfEmpty(Mono.defer(() -> ServerResponse.status(401).build())));
    }
}
