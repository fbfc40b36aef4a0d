package ru.rosdistant.gateway.triage;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import ru.rosdistant.gateway.web.Paging;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * The dispatcher's list of dialogs to triage, and the overdue ones for a supervisor: a page of at most
 * {@value DispatcherTriage#MAX_PAGE} (the body, an array), the count of the whole list in {@code X-Total-Count},
 * where the page starts in {@code X-Offset} and the limit applied in {@code X-Limit} ({@link Paging}: a limit is
 * clamped, an offset past 10,000 is 400).
 */
@RestController
@RequestMapping("/api/triage")
class TriageController implements ProblemAnswers {

    private final DispatcherTriage triage;

    TriageController(DispatcherTriage triage) {
        this.triage = triage;
    }

    @GetMapping
    @PreAuthorize("hasAnyRole('DISPATCHER', 'SUPERVISOR')")
    Mono<ResponseEntity<List<Map<String, Object>>>> pending(@RequestParam(required = false) String limit,
            @RequestParam(required = false) String offset) {
        Paging paging = Paging.of(limit, offset, DispatcherTriage.MAX_PAGE, DispatcherTriage.MAX_PAGE);
        return triage.pending(Instant.now(), paging.limit(), paging.offset()).map(page -> answer(paging, page));
    }

    @GetMapping("/overdue")
    @PreAuthorize("hasRole('SUPERVISOR')")
    Mono<ResponseEntity<List<Map<String, Object>>>> overdue(@RequestParam(required = false) String limit,
            @RequestParam(required = false) String offset) {
        Paging paging = Paging.of(limit, offset, DispatcherTriage.MAX_PAGE, DispatcherTriage.MAX_PAGE);
        return triage.overdue(Instant.now(), paging.limit(), paging.offset()).map(page -> answer(paging, page));
    }

    private static ResponseEntity<List<Map<String, Object>>> answer(Paging paging, DispatcherTriage.Page page) {
        return paging.headers(ResponseEntity.ok())
                .header("X-Total-Count", Long.toString(page.total()))
                .body(page.items().stream().map(TriageController::view).toList());
    }

    private static Map<String, Object> view(DispatcherTriage.Pending pending) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("dialogId", pending.dialog().id());
        view.put("site", pending.siteName());
        view.put("siteId", pending.dialog().siteId());
        view.put("channel", pending.dialog().channel());
        view.put("state", pending.dialog().state());
        view.put("agentName", pending.dialog().agentName());
        view.put("visitorName", pending.dialog().visitorName());
        view.put("firstMessage", pending.firstMessage());
        view.put("openedAt", pending.dialog().openedAt());
        view.put("endedAt", pending.dialog().closedAt());
        view.put("openSeconds", pending.openSeconds());
        view.put("sinceEndSeconds", pending.sinceEndSeconds());
        // the clock of the rule: 0 while the dialog is open, then the time since it ended
        view.put("waitedSeconds", pending.sinceEndSeconds() == null ? 0 : pending.sinceEndSeconds());
        view.put("deadlineSeconds", pending.deadlineSeconds());
        view.put("deadlineAt", pending.deadlineAt());
        view.put("overdue", pending.overdue());
        return view;
    }
}
