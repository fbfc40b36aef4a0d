package ru.rosdistant.gateway.task;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
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
import ru.rosdistant.gateway.web.ProblemAnswers;

/** An agent's open tasks and completing them; every open or overdue task for a supervisor. */
@RestController
class TaskController implements ProblemAnswers {

    private final Tasks tasks;

    private final AgentDirectory agents;

    TaskController(Tasks tasks, AgentDirectory agents) {
        this.tasks = tasks;
        this.agents = agents;
    }

    record Completion(String result) {
    }

    @GetMapping("/api/tasks")
    @PreAuthorize("isAuthenticated()")
    Flux<Task> mine(Principal principal) {
        return agents.current(principal).flatMapMany(agent -> tasks.openOf(agent.id()));
    }

    @GetMapping("/api/tasks/{id}")
    @PreAuthorize("isAuthenticated()")
    Mono<Map<String, Object>> one(@PathVariable UUID id) {
        return tasks.find(id)
                .switchIfEmpty(Mono.error(() -> new TaskNotFoundException(id)))
                .zipWith(tasks.historyOf(id).collectList(), (task, history) -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("task", task);
                    view.put("history", history);
                    return view;
                });
    }

    @PostMapping("/api/tasks/{id}/complete")
    @PreAuthorize("isAuthenticated()")
    Mono<Task> complete(@PathVariable UUID id, @RequestBody Completion completion, Principal principal) {
        return agents.current(principal).flatMap(agent -> tasks.complete(id, agent.id(),
                agent.has(Role.SUPERVISOR) || agent.has(Role.ADMIN), completion.result()));
    }

    @GetMapping("/api/supervisor/tasks")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Flux<Task> open(@RequestParam(defaultValue = "false") boolean overdue,
            @RequestParam(required = false) String kind) {
        if (kind != null && !Tasks.kinds().contains(kind)) {
            return Flux.error(new IllegalArgumentException("kind: one of " + Tasks.kinds()));
        }
        return tasks.open(overdue, kind);
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
