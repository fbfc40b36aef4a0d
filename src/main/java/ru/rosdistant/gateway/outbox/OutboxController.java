package ru.rosdistant.gateway.outbox;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import ru.rosdistant.gateway.web.Paging;
import ru.rosdistant.gateway.web.ProblemAnswers;

/** For a SUPERVISOR or ADMIN (see the security rules): what the outbox holds and how delivery goes. */
@RestController
@RequestMapping("/api/supervisor/outbox")
class OutboxController implements ProblemAnswers {

    private static final int MAX_LIMIT = 500;

    private final OutboxEntries entries;

    OutboxController(OutboxEntries entries) {
        this.entries = entries;
    }

    /** The newest entries first, of one state or of all: {@code limit} (default 100, clamped to 1..500; {@link Paging}). */
    @GetMapping
    Mono<ResponseEntity<List<OutboxView>>> list(@RequestParam(required = false) String state,
            @RequestParam(required = false) String limit) {
        Paging paging = Paging.first(limit, 100, MAX_LIMIT);
        return entries.list(parse(state), paging.limit())
                .collectList()
                .map(list -> paging.headers(ResponseEntity.ok()).body(list));
    }

    @ExceptionHandler
    ProblemDetail badRequest(ResponseStatusException ex) {
        return ex.getBody();
    }

    private static OutboxState parse(String state) {
        if (state == null || state.isBlank()) {
            return null;
        }
        try {
            return OutboxState.valueOf(state.strip().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException ex) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "Unknown state '" + state + "', expected one of "
                    + Arrays.toString(OutboxState.values()));
        }
    }
}
