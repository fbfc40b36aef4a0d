package ru.rosdistant.gateway.offline;

import java.net.URI;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ServerWebInputException;

/** RFC 9457 problem details for the offline form; field errors under {@code errors}: field → message. */
@RestControllerAdvice(assignableTypes = OfflineFormController.class)
class OfflineFormProblems {

    private static final Logger log = LoggerFactory.getLogger(OfflineFormProblems.class);

    private static final String TYPES = "https://contact-gateway.rosdistant.ru/problems/";

    @ExceptionHandler
    ProblemDetail invalid(InvalidOfflineForm ex) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-form", "The form has errors",
                "Исправьте отмеченные поля формы");
        problem.setProperty("errors", ex.errors());
        return problem;
    }

    @ExceptionHandler
    ProblemDetail unreadable(ServerWebInputException ex) {
        return problem(HttpStatus.BAD_REQUEST, "unreadable-form", "The form is not readable JSON", ex.getReason());
    }

    @ExceptionHandler
    ProblemDetail originRefused(OriginRefused ex) {
        return problem(HttpStatus.FORBIDDEN, "origin-refused", "Origin not allowed", ex.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> tooMany(TooManyForms ex) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, (ex.retryAfter().toMillis() + 999) / 1000)))
                .body(problem(HttpStatus.TOO_MANY_REQUESTS, "too-many-forms", "Too many forms", ex.getMessage()));
    }

    /**
     * A value PostgreSQL refuses (a check constraint, text it cannot hold such as U+0000): the same form fails
     * the same way again, so it is the client's to fix, not a 503 to retry (found by drill.FormAndLoginFuzzTests).
     */
    @ExceptionHandler({ org.springframework.dao.DataIntegrityViolationException.class,
            org.springframework.dao.InvalidDataAccessResourceUsageException.class })
    ProblemDetail unstorable(RuntimeException ex) {
        log.warn("An offline form with a value the database refuses: {}", String.valueOf(ex));
        return problem(HttpStatus.BAD_REQUEST, "invalid-form", "The form has errors",
                "A field holds a value that cannot be stored (e.g. a control character)");
    }

    @ExceptionHandler({ DataAccessException.class, TransactionException.class })
    ResponseEntity<ProblemDetail> storageDown(RuntimeException ex) {
        log.warn("Could not store an offline form", ex);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "10")
                .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "storage-unavailable", "Try again shortly",
                        "The form could not be stored; send it again (with the same clientFormId)"));
    }

    private static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPES + type));
        problem.setTitle(title);
        return problem;
    }
}
