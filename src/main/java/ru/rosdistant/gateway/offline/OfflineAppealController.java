package ru.rosdistant.gateway.offline;

import java.security.Principal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

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
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.AppealType;
import ru.rosdistant.gateway.dialog.Triage;
import ru.rosdistant.gateway.web.Paging;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * The offline appeals of the caller's lines (every line for an ADMIN): the list as it stands now (an appeal shows
 * from its line's opening after it came; a page of at most 500, the count of all in {@code X-Total-Count}), and
 * triage, answer and classification of one.
 */
@RestController
class OfflineAppealController implements ProblemAnswers {

    private final OfflineAppeals appeals;

    private final OfflineAppealWork work;

    private final AgentDirectory agents;

    OfflineAppealController(OfflineAppeals appeals, OfflineAppealWork work, AgentDirectory agents) {
        this.appeals = appeals;
        this.work = work;
        this.agents = agents;
    }

    record TriageRequest(String outcome) {
    }

    record AnswerRequest(String text) {
    }

    record ClassifyRequest(String appealType, String requestNumber, java.time.LocalDate dueDate) {
    }

    /**
     * The open appeals of the caller's lines: {@code limit} (default and largest 500, clamped; applied in
     * {@code X-Limit}) from {@code offset} (0 to 10,000, else 400), their count in {@code X-Total-Count}
     * ({@link Paging}).
     */
    @GetMapping("/api/offline-appeals")
    @PreAuthorize("isAuthenticated()")
    Mono<ResponseEntity<List<Map<String, Object>>>> list(@RequestParam(required = false) String limit,
            @RequestParam(required = false) String offset, Principal principal) {
        Paging paging = Paging.of(limit, offset, 500, 500);
        Instant now = Instant.now();
        return agents.current(principal)
                .flatMap(agent -> {
                    List<String> lines = linesOf(agent);
                    return appeals.openOf(lines, now, paging.limit(), paging.offset())
                            .map(this::view)
                            .collectList()
                            .zipWith(appeals.countOpenOf(lines, now));
                })
                .map(page -> paging.headers(ResponseEntity.ok())
                        .header("X-Total-Count", Long.toString(page.getT2()))
                        .body(page.getT1()));
    }

    @GetMapping("/api/offline-appeals/{id}")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> one(@PathVariable UUID id, Principal principal) {
        return agents.current(principal).flatMap(agent -> work.visible(id, agent)).map(this::view);
    }

    @PostMapping("/api/offline-appeals/{id}/triage")
    @PreAuthorize("hasAnyRole('DISPATCHER', 'SUPERVISOR')")
    Mono<Map<String, Object>> triage(@PathVariable UUID id, @RequestBody TriageRequest request, Principal principal) {
        Triage outcome;
        try {
            outcome = Triage.valueOf(String.valueOf(request.outcome()).toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException ex) {
            return Mono.error(new IllegalArgumentException("outcome: spam, partner, applicant or student"));
        }
        return agents.current(principal).flatMap(agent -> work.triage(id, agent, outcome)).map(this::view);
    }

    @PostMapping("/api/offline-appeals/{id}/answer")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> answer(@PathVariable UUID id, @RequestBody AnswerRequest request, Principal principal) {
        return agents.current(principal).flatMap(agent -> work.answer(id, agent, request.text())).map(this::view);
    }

    @PostMapping("/api/offline-appeals/{id}/classify")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> classify(@PathVariable UUID id, @RequestBody ClassifyRequest request,
            Principal principal) {
        AppealType type;
        try {
            type = request.appealType() == null ? null
                    : AppealType.valueOf(request.appealType().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException ex) {
            type = null;
        }
        AppealType chosen = type;
        return agents.current(principal)
                .flatMap(agent -> work.classify(id, agent, chosen, request.requestNumber(), request.dueDate()))
                .map(this::view);
    }

    private static List<String> linesOf(Agent agent) {
        return agent.has(Role.ADMIN) ? null : agent.lines();
    }

    private Map<String, Object> view(OfflineAppeals.Appeal appeal) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", appeal.id());
        view.put("source", appeal.source());
        view.put("lineId", appeal.lineId());
        view.put("siteId", appeal.siteId());
        view.put("channel", appeal.channel());
        view.put("dialogId", appeal.dialogId());
        view.put("cardId", appeal.cardId());
        view.put("name", appeal.name());
        view.put("email", appeal.email());
        view.put("phone", appeal.phone());
        view.put("question", appeal.question());
        view.put("createdAt", appeal.createdAt());
        view.put("shownFrom", appeal.shownFrom());
        view.put("answerBy", appeal.answerBy());
        view.put("classifyBy", appeals.classifyBy(appeal));
        view.put("triage", appeal.triage());
        view.put("answer", appeal.answer());
        view.put("answeredAt", appeal.answeredAt());
        view.put("appealType", appeal.appealType());
        view.put("requestNumber", appeal.requestNumber());
        view.put("classifiedAt", appeal.classifiedAt());
        return view;
    }

    @ExceptionHandler
    ProblemDetail notFound(OfflineAppealNotFoundException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
    }

    @ExceptionHandler
    ProblemDetail conflict(OfflineAppealConflictException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, ex.getMessage());
    }
}
