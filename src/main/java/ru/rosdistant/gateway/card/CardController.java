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
 * Cards for staff: search, read with history, edit, merge, possible matches; the audit record for an ADMIN.
 * Every endpoint needs a logged-in member of staff and works within their {@link StaffScope} (a card outside
 * it is 404); every read is audited.
 */
@RestController
class CardController implements ProblemAnswers {

    private final CardDesk desk;

    private final AgentDirectory agents;

    private final AccessAudit auditRecord;

    private final CardNotes notes;

    private final CardMoves moves;

    CardController(CardDesk desk, AgentDirectory agents, AccessAudit auditRecord, CardNotes notes, CardMoves moves) {
        this.notes = notes;
        this.moves = moves;
        this.desk = desk;
        this.agents = agents;
        this.auditRecord = auditRecord;
    }

    record MergeRequest(UUID from) {
    }

    record MatchConfirmation(UUID into) {
    }

    record NewNote(String body) {
    }

    record Move(UUID cardId) {
    }

    @GetMapping("/api/cards")
    @PreAuthorize("isAuthenticated()")
    Flux<Card> search(@RequestParam("q") String query, Principal principal) {
        return scope(principal).flatMapMany(scope -> desk.search(query, scope));
    }

    /** The statuses the console offers (the transfer-student ones of regulation 4.5). */
    @GetMapping("/api/cards/statuses")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> statuses() {
        return Mono.just(Map.of("transfer", CardStatuses.TRANSFER, "kinds", CardStatuses.KINDS));
    }

    /** Whom the caller may make responsible for a card: the enabled staff of their lines (everyone for an ADMIN). */
    @GetMapping("/api/cards/responsibles")
    @PreAuthorize("isAuthenticated()")
    Flux<Map<String, Object>> responsibles(Principal principal) {
        return scope(principal).flatMapMany(scope -> agents.all()
                .filter(agent -> agent.enabled()
                        && (scope.everything() || agent.lines().stream().anyMatch(scope::coversLine)))
                .sort(java.util.Comparator.comparing(ru.rosdistant.gateway.agent.Agent::displayName))
                .take(500)
                .map(agent -> Map.<String, Object>of("id", agent.id(), "displayName", agent.displayName())));
    }

    /** A free-text note on the card (1–4000 characters). */
    @PostMapping("/api/cards/{id}/notes")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> addNote(@PathVariable UUID id, @RequestBody NewNote note, Principal principal) {
        return scope(principal).flatMap(scope -> notes.add(id, note.body(), scope));
    }

    /** The dialog was put on the wrong person: it moves (with its transcript, task, appeal) to {@code cardId}. */
    @PostMapping("/api/dialogs/{id}/move")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> moveDialog(@PathVariable UUID id, @RequestBody Move move, Principal principal) {
        return scope(principal).flatMap(scope -> moves.dialog(id, move.cardId(), scope));
    }

    /** The same for an offline form (with its offline appeal). */
    @PostMapping("/api/offline-forms/{id}/move")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> moveForm(@PathVariable UUID id, @RequestBody Move move, Principal principal) {
        return scope(principal).flatMap(scope -> moves.form(id, move.cardId(), scope));
    }

    @GetMapping("/api/cards/{id}")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> read(@PathVariable UUID id, Principal principal) {
        return scope(principal).flatMap(scope -> desk.read(id, scope));
    }

    @GetMapping("/api/dialogs/{id}/card")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> ofDialog(@PathVariable UUID id, Principal principal) {
        return scope(principal).flatMap(scope -> desk.readOfDialog(id, scope))
                .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                        "No such dialog, or it has no card yet")));
    }

    record Identification(UUID cardId) {
    }

    /** Whether the dialog's person needs identification, with the candidate cards (regulation 4.4). */
    @GetMapping("/api/dialogs/{id}/identification")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> identification(@PathVariable UUID id, Principal principal) {
        return scope(principal).flatMap(scope -> desk.identificationOf(id, scope))
                .switchIfEmpty(Mono.error(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
                        "No such dialog, or it has no card yet")));
    }

    /** The agent chooses the card of the dialog's person among the candidates. */
    @PostMapping("/api/dialogs/{id}/identification")
    @PreAuthorize("isAuthenticated()")
    Mono<Card> identify(@PathVariable UUID id, @RequestBody Identification request, Principal principal) {
        if (request.cardId() == null) {
            return Mono.error(new IllegalArgumentException("cardId: the id of the person's card"));
        }
        return scope(principal).flatMap(scope -> desk.identify(id, request.cardId(), scope));
    }

    @PatchMapping("/api/cards/{id}")
    @PreAuthorize("isAuthenticated()")
    Mono<Card> update(@PathVariable UUID id, @RequestBody CardDesk.CardChange change, Principal principal) {
        return scope(principal).flatMap(scope -> desk.update(id, change, scope));
    }

    @PostMapping("/api/cards/{id}/merge")
    @PreAuthorize("isAuthenticated()")
    Mono<Card> merge(@PathVariable UUID id, @RequestBody MergeRequest request, Principal principal) {
        if (request.from() == null) {
            return Mono.error(new IllegalArgumentException("from: the id of the duplicate card to merge in"));
        }
        return scope(principal).flatMap(scope -> desk.merge(id, request.from(), scope));
    }

    /** The lead is the person of one of its possible matches: it is merged into that card. */
    @PostMapping("/api/cards/{id}/possible-match/confirm")
    @PreAuthorize("isAuthenticated()")
    Mono<Card> confirmMatch(@PathVariable UUID id, @RequestBody MatchConfirmation request, Principal principal) {
        if (request.into() == null) {
            return Mono.error(new IllegalArgumentException("into: the id of the matching card"));
        }
        return scope(principal).flatMap(scope -> desk.confirmMatch(id, request.into(), scope));
    }

    /** The lead is none of its possible matches: the flag goes. */
    @PostMapping("/api/cards/{id}/possible-match/dismiss")
    @PreAuthorize("isAuthenticated()")
    Mono<Card> dismissMatch(@PathVariable UUID id, Principal principal) {
        return scope(principal).flatMap(scope -> desk.dismissMatch(id, scope));
    }

    @GetMapping("/api/admin/cards/{id}/audit")
    @PreAuthorize("hasRole('ADMIN')")
    Flux<Map<String, Object>> audit(@PathVariable UUID id) {
        return desk.auditOf(id);
    }

    /** The whole audit record, newest first, a page at a time: {@code next} is the {@code before} of the next page. */
    @GetMapping("/api/admin/audit")
    @PreAuthorize("hasRole('ADMIN')")
    Mono<Map<String, Object>> auditRecord(@RequestParam(required = false) Long before,
            @RequestParam(defaultValue = "50") int size, @RequestParam(required = false) Long agentId,
            @RequestParam(required = false) UUID cardId) {
        if (size < 1 || size > 500) {
            return Mono.error(new IllegalArgumentException("size: 1 to 500"));
        }
        return auditRecord.page(before, size, agentId, cardId);
    }

    private Mono<StaffScope> scope(Principal principal) {
        return agents.current(principal).map(StaffScope::of);
    }

    /** A refused change says what is wrong with each field ({@code errors}: field → message). */
    @ExceptionHandler
    ProblemDetail refused(CardChangeRefused ex) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
        problem.setProperty("errors", ex.errors());
        return problem;
    }

    @ExceptionHandler
    ProblemDetail notFound(CardNotFoundException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
    }
}
