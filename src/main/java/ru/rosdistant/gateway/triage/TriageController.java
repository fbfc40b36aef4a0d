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

/**
 * The dispatcher's list of dialogs to triage, and the overdue ones for a supervisor: a page of at most
 * {@value DispatcherTriage#MAX_PAGE} (the body, an array), the count of the whole list in {@code X-Total-Count}
 * and where the page starts in {@code X-Offset}.
 */
@RestController
@RequestMapping("/api/triage")
class TriageController {

    private final DispatcherTriage triage;

    TriageController(DispatcherTriage triage) {
        this.triage = triage;
    }

    @GetMapping
    @PreAuthorize("hasAnyRole('DISPATCHER', 'SUPERVISOR')")
    Mono<ResponseEntity<List<Map<String, Object>>>> pending(@RequestParam(defaultValue = "500") int limit,
            @RequestParam(defaultValue = "0") long offset) {
        return triage.pending(Instant.now(), limit, offset).map(TriageController::answer);
    }

    @GetMapping("/overdue")
    @PreAuthorize("hasRole('SUPERVISOR')")
    Mono<ResponseEntity<List<Map<String, Object>>>> overdue(@RequestParam(defaultValue = "500") int limit,
            @RequestParam(defaultValue = "0") long offset) {
        return triage.overdue(Instant.now(), limit, offset).map(TriageController::answer);
    }

    private static ResponseEntity<List<Map<String, Object>>> answer(DispatcherTriage.Page page) {
        return ResponseEntity.ok()
                .header("X-Total-Count", Long.toString(page.total()))
                .header("X-Offset", Long.toString(page.offset()))
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
