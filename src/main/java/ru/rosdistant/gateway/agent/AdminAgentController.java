package ru.rosdistant.gateway.agent;

import java.net.URI;
import java.security.Principal;
import java.util.List;

import jakarta.validation.Valid;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import ru.rosdistant.gateway.site.Sites;

/** REST for an ADMIN to create, change and disable agents (the path is guarded by the security rules). */
@RestController
@RequestMapping("/api/admin/agents")
class AdminAgentController {

    private final AgentDirectory agents;

    private final Sites sites;

    AdminAgentController(AgentDirectory agents, Sites sites) {
        this.agents = agents;
        this.sites = sites;
    }

    @GetMapping
    Flux<Agent> list() {
        return agents.all();
    }

    @GetMapping("/{id}")
    Mono<Agent> one(@PathVariable long id) {
        return agents.byId(id).switchIfEmpty(Mono.error(() -> new AgentNotFoundException(id)));
    }

    @PostMapping
    Mono<ResponseEntity<Agent>> create(@Valid @RequestBody NewAgent agent) {
        return knownLines(agent.lines())
                .then(agents.create(agent))
                .map(created -> ResponseEntity.created(URI.create("/api/admin/agents/" + created.id()))
                        .body(created));
    }

    @PutMapping("/{id}")
    Mono<Agent> change(@PathVariable long id, @Valid @RequestBody AgentChange change, Mono<Principal> principal) {
        return knownLines(change.lines())
                .then(notLockingOut(id, change, principal))
                .then(agents.update(id, change));
    }

    /** An administrator may not disable their own account or drop their own ADMIN role: nobody could undo it. */
    private Mono<Void> notLockingOut(long id, AgentChange change, Mono<Principal> principal) {
        if (change.enabled() && change.roles().contains(Role.ADMIN)) {
            return Mono.empty();
        }
        return principal.flatMap(me -> agents.byId(id)
                .filter(agent -> agent.login().equals(me.getName()))
                .flatMap(self -> Mono.error(new SelfLockoutException())));
    }

    private Mono<Void> knownLines(List<String> lines) {
        return Flux.fromIterable(lines)
                .filter(line -> sites.line(line).isEmpty())
                .next()
                .flatMap(line -> Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST,
                        "Unknown line '" + line + "'")));
    }
}
