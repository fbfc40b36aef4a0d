package ru.rosdistant.gateway.overview;

import java.security.Principal;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.routing.AgentPresences;
import ru.rosdistant.gateway.routing.Presence;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * {@code GET /api/supervisor/overview}: the figures and live dialogs of every line, for the console's live view;
 * {@code POST /api/supervisor/agents/{id}/presence}: a supervisor sets an agent of their lines away or offline.
 */
@RestController
class OverviewController implements ProblemAnswers {

    private final SupervisorOverview overview;

    private final AgentDirectory agents;

    private final AgentPresences routing;

    OverviewController(SupervisorOverview overview, AgentDirectory agents, AgentPresences routing) {
        this.overview = overview;
        this.agents = agents;
        this.routing = routing;
    }

    @GetMapping("/api/supervisor/overview")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> figures() {
        return overview.figures().map(SupervisorOverview::view);
    }

    /** {@code status}: {@code OFFLINE} or {@code AWAY}; only the agent themselves goes online. */
    record PresenceChange(@NotNull Presence status) {
    }

    @PostMapping("/api/supervisor/agents/{id}/presence")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Void>> setPresence(@PathVariable long id, @Valid @RequestBody PresenceChange change,
            Principal principal) {
        if (change.status() == Presence.ONLINE) {
            throw new IllegalArgumentException("status: OFFLINE or AWAY (only the agent goes online)");
        }
        return agents.current(principal)
                .zipWith(agents.byId(id)
                        .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                                "No agent " + id))))
                .map(both -> set(both.getT1(), both.getT2(), change.status()));
    }

    private ResponseEntity<Void> set(Agent supervisor, Agent agent, Presence status) {
        if (!supervisor.has(Role.ADMIN) && agent.lines().stream().noneMatch(supervisor::serves)) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "The agent serves none of your lines");
        }
        if (!routing.setBySupervisor(agent.id(), status, supervisor.displayName())) {
            throw new IllegalStateException("The agent has no console open on this node");
        }
        return ResponseEntity.noContent().build();
    }
}
