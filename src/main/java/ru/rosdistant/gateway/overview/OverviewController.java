package ru.rosdistant.gateway.overview;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/supervisor/overview}: the figures of every line, for the console's supervisor panel. */
@RestController
class OverviewController {

    private final SupervisorOverview overview;

    OverviewController(SupervisorOverview overview) {
        this.overview = overview;
    }

    @GetMapping("/api/supervisor/overview")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> figures() {
        return overview.figures().map(SupervisorOverview::view);
    }
}
