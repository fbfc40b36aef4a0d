package ru.rosdistant.gateway.task;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.card.AccessAudit;
import ru.rosdistant.gateway.card.StaffScope;
import ru.rosdistant.gateway.web.Paging;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * An agent's open tasks and completing them; the open or overdue tasks of a supervisor's lines. A task outside
 * the caller's scope (not their line, not theirs) is 404; every read is audited.
 */
@RestController
class TaskController implements ProblemAnswers {

    /** The largest page of {@code GET /api/tasks}. */
    static final int MAX_PAGE = 200;

    static final int DEFAULT_PAGE = 100;

    private final Tasks tasks;

    private final AgentDirectory agents;

    private final AccessAudit audit;

    private final ComplaintAddressees addressees;

    private final ClassificationDeadlines deadlines;

    private final TicketDesk ticketDesk;

    TaskController(Tasks tasks, AgentDirectory agents, AccessAudit audit, ComplaintAddressees addressees,
            ClassificationDeadlines deadlines, TicketDesk ticketDesk) {
        this.ticketDesk = ticketDesk;
        this.addressees = addressees;
        this.deadlines = deadlines;
        this.tasks = tasks;
        this.agents = agents;
        this.audit = audit;
    }

    record Completion(String result) {
    }

    /**
     * A page of the caller's open tasks, soonest due first: {@code limit} (default {@value #DEFAULT_PAGE}, clamped to
     * 1..{@value #MAX_PAGE}, the limit applied in {@code X-Limit}) from {@code offset} (0 to 10,000, else 400); the
     * count of them all in {@code X-Total-Count}, where the page starts in {@code X-Offset} ({@link Paging}).
     */
    @GetMapping("/api/tasks")
    @PreAuthorize("isAuthenticated()")
    Mono<ResponseEntity<List<Task>>> mine(@RequestParam(required = false) String limit,
            @RequestParam(required = false) String offset, Principal principal) {
        Paging paging = Paging.of(limit, offset, DEFAULT_PAGE, MAX_PAGE);
        return agents.current(principal)
                .flatMap(agent -> tasks.openOf(agent.id(), paging.limit(), paging.offset())
                        .flatMap(page -> audited(agent.id(), "mine", page.items()).thenReturn(page)))
                .map(page -> paging.headers(ResponseEntity.ok())
                        .header("X-Total-Count", Long.toString(page.total()))
                        .body(page.items()));
    }

    /** One task with its history, if it lies in the caller's scope (its line, or theirs); 404 otherwise. */
    @GetMapping("/api/tasks/{id}")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> one(@PathVariable UUID id, Principal principal) {
        return agents.current(principal)
                .flatMap(agent -> visible(id, StaffScope.of(agent))
                        .flatMap(task -> audit.record(agent.id(), "TASK_READ", List.of(task.cardId()), null,
                                        "task " + id)
                                .thenReturn(task)))
                .zipWhen(task -> tasks.historyOf(id).collectList(), (task, history) -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("task", task);
                    view.put("history", history);
                    return view;
                });
    }

    @PostMapping("/api/tasks/{id}/complete")
    @PreAuthorize("isAuthenticated()")
    Mono<Task> complete(@PathVariable UUID id, @RequestBody Completion completion, Principal principal) {
        return agents.current(principal).flatMap(agent -> visible(id, StaffScope.of(agent))
                .then(tasks.complete(id, agent.id(), agent.has(Role.SUPERVISOR) || agent.has(Role.ADMIN),
                        completion.result())));
    }

    /**
     * Whom the complaint of a dialog would go to if the agent classified it a complaint now, and by what evidence
     * (the console shows it at close; the agent may send another {@code addressee} with the close). Only the agent
     * who has the dialog, or staff of its line; 404 otherwise.
     */
    @GetMapping("/api/complaints/addressee")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> addressee(@RequestParam UUID dialogId, Principal principal) {
        return agents.current(principal)
                .flatMap(agent -> addressees.of(dialogId)
                        .filter(choice -> StaffScope.of(agent).coversLine(choice.lineId())
                                || Long.valueOf(agent.id()).equals(choice.agentId())))
                .switchIfEmpty(Mono.error(() -> new TaskNotFoundException(dialogId)))
                .map(choice -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("dialogId", choice.dialogId());
                    view.put("addressee", choice.addressee());
                    view.put("label", choice.label());
                    view.put("decidedBy", choice.by());
                    view.put("choices", List.of(ru.rosdistant.gateway.dialog.ComplaintAddressee.values()));
                    return view;
                });
    }

    /**
     * Whether the gateway is connected to the ticket desk and registers requests itself: the console then offers
     * «create the request» at close instead of typing its number.
     */
    @GetMapping("/api/ticket-desk")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> ticketDesk() {
        return Mono.just(Map.of("creates", ticketDesk.creates()));
    }

    /** The caller's ended dialogs still to classify, with the deadline of each (one working day from the end). */
    @GetMapping("/api/dialogs/unclassified")
    @PreAuthorize("isAuthenticated()")
    Flux<ClassificationDeadlines.Unclassified> unclassified(Principal principal) {
        return agents.current(principal)
                .flatMapMany(agent -> deadlines.of(agent.id(), agent.lines(), java.time.Instant.now()));
    }

    /** The dialogs of the supervisor's lines (every line for an ADMIN) past their classification deadline. */
    @GetMapping("/api/supervisor/unclassified")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Flux<ClassificationDeadlines.Unclassified> overdueUnclassified(Principal principal) {
        return agents.current(principal).flatMapMany(agent -> deadlines.overdue(
                agent.has(Role.ADMIN) ? null : agent.lines(), java.time.Instant.now()));
    }

    /** Open tasks of the supervisor's lines (every line for an ADMIN). */
    @GetMapping("/api/supervisor/tasks")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Flux<Task> open(@RequestParam(defaultValue = "false") boolean overdue,
            @RequestParam(required = false) String kind, Principal principal) {
        if (kind != null && !Tasks.kinds().contains(kind)) {
            return Flux.error(new IllegalArgumentException("kind: one of " + Tasks.kinds()));
        }
        return agents.current(principal).flatMapMany(agent -> audited(agent.id(),
                "open" + (overdue ? ", overdue" : "") + (kind == null ? "" : ", " + kind),
                tasks.open(overdue, kind, agent.has(Role.ADMIN) ? null : agent.lines())));
    }

    private Mono<Task> visible(UUID id, StaffScope scope) {
        return tasks.find(id)
                .filter(task -> scope.coversLine(task.lineId()) || task.ownerAgentId() == scope.agentId())
                .switchIfEmpty(Mono.error(() -> new TaskNotFoundException(id)));
    }

    /** A list of tasks names cards: it goes on the audit record (when it names any) before it is answered. */
    private Flux<Task> audited(long agentId, String which, Flux<Task> list) {
        return list.collectList()
                .flatMap(found -> audited(agentId, which, found).thenReturn(found))
                .flatMapIterable(found -> found);
    }

    private Mono<Void> audited(long agentId, String which, List<Task> found) {
        return found.isEmpty() ? Mono.empty()
                : audit.record(agentId, "TASK_LIST", found.stream().map(Task::cardId).toList(), null,
                        which + ": " + found.size() + " tasks").then();
    }

    @ExceptionHandler
    ProblemDetail notFound(TaskNotFoundException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
    }

    @ExceptionHandler
    ProblemDetail forbidden(TaskForbiddenException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, ex.getMessage());
    }
}
