package ru.rosdistant.gateway.triage;

import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The dispatcher's list of dialogs to triage, and the overdue ones for a supervisor. */
@RestController
@RequestMapping("/api/triage")
class TriageController {

    private final DispatcherTriage triage;

    TriageController(DispatcherTriage triage) {
        this.triage = triage;
    }

    @GetMapping
    @PreAuthorize("hasAnyRole('DISPATCHER', 'SUPERVISOR')")
    Flux<Map<String, Object>> pending() {
        return triage.pending().map(TriageController::view);
    }

    @GetMapping("/overdue")
    @PreAuthorize("hasRole('SUPERVISOR')")
    Flux<Map<String, Object>> overdue() {
        return triage.overdue().map(TriageController::view);
    }

    private static Map<String, Object> view(DispatcherTriage.Pending pending) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("dialogId", pending.dialog().id());
        view.put("site", pending.dialog().siteId());
        view.put("state", pending.dialog().state());
        view.put("agentName", pending.dialog().agentName());
        view.put("visitorName", pending.dialog().visitorName());
        view.put("openedAt", pending.dialog().openedAt());
        view.put("waitedSeconds", pending.waitedSeconds());
        view.put("deadlineSeconds", pending.deadlineSeconds());
        view.put("overdue", pending.overdue());
        return view;
    }
}
