package ru.rosdistant.gateway.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import ru.rosdistant.gateway.site.Line;
import ru.rosdistant.gateway.site.Sites;

/**
 * {@code GET /api/admin/lines}: for the ADMIN's console screen, each configured line with the sites that feed
 * it and the agents who serve it. Lines themselves are configuration ({@code gateway.site.lines}), so this is
 * read-only; who serves a line is changed on the agents.
 */
@RestController
class AdminLineController {

    private final AgentDirectory agents;

    private final Sites sites;

    AdminLineController(AgentDirectory agents, Sites sites) {
        this.agents = agents;
        this.sites = sites;
    }

    @GetMapping("/api/admin/lines")
    Flux<Map<String, Object>> lines() {
        return agents.all()
                .collectList()
                .flatMapMany(all -> Flux.fromIterable(sites.lines()).map(line -> view(line, all)));
    }

    private Map<String, Object> view(Line line, List<Agent> all) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", line.id());
        view.put("name", line.name());
        view.put("sites", sites.all()
                .stream()
                .filter(site -> site.line().equals(line.id()))
                .map(site -> Map.of("id", site.id(), "name", site.name(), "host", site.host(), "mailbox",
                        site.mailbox()))
                .toList());
        view.put("agents", all.stream()
                .filter(agent -> agent.serves(line.id()))
                .map(agent -> Map.of("id", agent.id(), "login", agent.login(), "displayName", agent.displayName(),
                        "enabled", agent.enabled()))
                .toList());
        return view;
    }
}
