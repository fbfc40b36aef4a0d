package ru.rosdistant.gateway.card;

import java.security.Principal;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * Cards for staff: search, read with history (audited), edit, merge; the audit record for an ADMIN. Every
 * endpoint needs a logged-in member of staff; nobody else sees a card.
 */
@RestController
class CardController implements ProblemAnswers {

    private final CardDesk desk;

    private final AgentDirectory agents;

    CardController(CardDesk desk, AgentDirectory agents) {
        this.desk = desk;
        this.agents = agents;
    }

    record MergeRequest(UUID from) {
    }

    @GetMapping("/api/cards")
    @PreAuthorize("isAuthenticated()")
    Flux<Card> search(@RequestParam("q") String query) {
        return desk.search(query);
    }

    @GetMapping("/api/cards/{id}")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> read(@PathVariable UUID id, Principal principal) {
        return agents.current(principal).flatMap(agent -> desk.read(id, agent.id()));
    }

    @GetMapping("/api/dialogs/{id}/card")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> ofDialog(@PathVariable UUID id, Principal principal) {
        return agents.current(principal).flatMap(agent -> desk.readOfDialog(id, agent.id()))
                .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                        "No such dialog, or it has no card yet")));
    }

    @PatchMapping("/api/cards/{id}")
    @PreAuthorize("isAuthenticated()")
    Mono<Card> update(@PathVariable UUID id, @RequestBody CardDesk.CardChange change, Principal principal) {
        return agents.current(principal).flatMap(agent -> desk.update(id, change, agent.id()));
    }

    @PostMapping("/api/cards/{id}/merge")
    @PreAuthorize("isAuthenticated()")
    Mono<Card> merge(@PathVariable UUID id, @RequestBody MergeRequest request, Principal principal) {
        if (request.from() == null) {
            return Mono.error(new IllegalArgumentException("from: the id of the duplicate card to merge in"));
        }
        return agents.current(principal).flatMap(agent -> desk.merge(id, request.from(), agent.id()));
    }

    @GetMapping("/api/admin/cards/{id}/audit")
    @PreAuthorize("hasRole('ADMIN')")
    Flux<Map<String, Object>> audit(@PathVariable UUID id) {
        return desk.auditOf(id);
    }

    @ExceptionHandler
    ProblemDetail notFound(CardNotFoundException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
    }
}
