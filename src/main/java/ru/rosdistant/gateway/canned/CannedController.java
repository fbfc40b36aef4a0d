package ru.rosdistant.gateway.canned;

import java.security.Principal;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * Canned answers: every agent reads those of the lines they serve (a SUPERVISOR or ADMIN all of them);
 * SUPERVISOR and ADMIN keep them under /api/supervisor/canned (the path needs those roles, see WebSecurity).
 */
@RestController
class CannedController implements ProblemAnswers {

    private final CannedAnswers answers;

    private final AgentDirectory agents;

    CannedController(CannedAnswers answers, AgentDirectory agents) {
        this.answers = answers;
        this.agents = agents;
    }

    @GetMapping("/api/canned")
    @PreAuthorize("isAuthenticated()")
    Flux<CannedAnswer> list(@RequestParam(required = false) String line, Principal principal) {
        return agents.current(principal).flatMapMany(agent -> {
            boolean everyLine = agent.has(Role.SUPERVISOR) || agent.has(Role.ADMIN);
            if (line == null) {
                return answers.of(everyLine ? null : agent.lines());
            }
            if (!answers.knownLine(line)) {
                return Flux.error(new IllegalArgumentException("line: no line '" + line + "'"));
            }
            if (!everyLine && !agent.serves(line)) {
                return Flux.error(new ResponseStatusException(HttpStatus.FORBIDDEN, "You do not serve line " + line));
            }
            return answers.of(java.util.List.of(line));
        });
    }

    @PostMapping("/api/supervisor/canned")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<CannedAnswer>> create(@RequestBody(required = false) CannedAnswers.Draft draft,
            Principal principal) {
        return agents.current(principal).flatMap(agent -> answers.create(draft, agent.id()))
                .map(created -> ResponseEntity.status(HttpStatus.CREATED).body(created));
    }

    @PutMapping("/api/supervisor/canned/{id}")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<CannedAnswer> update(@PathVariable long id, @RequestBody(required = false) CannedAnswers.Draft draft) {
        return answers.update(id, draft).switchIfEmpty(Mono.error(() -> notFound(id)));
    }

    @DeleteMapping("/api/supervisor/canned/{id}")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Void>> delete(@PathVariable long id) {
        return answers.delete(id).flatMap(deleted -> deleted ? Mono.just(ResponseEntity.noContent().<Void>build())
                : Mono.error(notFound(id)));
    }

    private static ResponseStatusException notFound(long id) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "No canned answer " + id);
    }

    /** A body that is not JSON or has a field of the wrong type, a path id that is not a number. */
    @ExceptionHandler
    ProblemDetail unreadable(ServerWebInputException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Expected a JSON object with the strings "
                + "line, title, text and shortcut (and a numeric id in the path): " + ex.getReason());
    }

    @ExceptionHandler
    ProblemDetail status(ResponseStatusException ex) {
        return ex.getBody();
    }
}
