package ru.rosdistant.gateway.web;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * The answers a staff REST controller gives for input it refuses: an {@link IllegalArgumentException} is the
 * caller's mistake (400), an {@link IllegalStateException} a request that does not fit the current state (409);
 * both as problem details with the exception's message; a body over the codecs' limit (an IllegalStateException too)
 * is 413. A controller implements this to get both handlers
 * (Spring finds {@code @ExceptionHandler} methods on a controller's interfaces too).
 */
public interface ProblemAnswers {

    @ExceptionHandler
    default ProblemDetail badRequest(IllegalArgumentException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
    }

    @ExceptionHandler
    default ProblemDetail tooLarge(DataBufferLimitException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                "The request body is larger than this endpoint accepts");
    }

    @ExceptionHandler
    default ProblemDetail conflict(IllegalStateException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, ex.getMessage());
    }
}
