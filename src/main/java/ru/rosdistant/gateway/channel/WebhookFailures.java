package ru.rosdistant.gateway.channel;

import org.slf4j.Logger;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.server.ServerResponse;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogManagement;

/**
 * How a webhook answers a correctly signed delivery it could not process. Only a database that is briefly
 * unavailable is worth the platform's retry (503); an update whose content the gateway cannot use (a field
 * of the wrong type or missing, text PostgreSQL cannot hold, a value over a column's limit) would fail the
 * same way on every retry, so it is refused with 400 and logged in one line; a body over the size limit is
 * 413. The REST fuzz drill (drill.WebhookFuzzTests) found these ending in 500 and 503.
 */
public final class WebhookFailures {

    private WebhookFailures() {
    }

    public static Mono<ServerResponse> answer(Throwable error, String platform, String botId, Logger log) {
        if (error instanceof DataBufferLimitException) {
            return problem(HttpStatus.CONTENT_TOO_LARGE, "The body is larger than the gateway accepts");
        }
        if (storageUnavailable(error)) {
            log.warn("{} bot '{}': storage unavailable, the platform will send the update again: {}", platform,
                    botId, String.valueOf(error));
            return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "10")
                    .bodyValue(ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                            "Storage unavailable, send again"));
        }
        if (unusable(error)) {
            log.warn("{} bot '{}' refused an update it cannot use: {}", platform, botId, String.valueOf(error));
        }
        else {
            log.warn("{} bot '{}' could not process an update; refused", platform, botId, error);
        }
        return problem(HttpStatus.BAD_REQUEST, "Not a " + platform + " update this gateway can use: "
                + error.getClass().getSimpleName());
    }

    /** Whether the database was briefly unavailable: the only failure worth the platform's retry. */
    public static boolean storageUnavailable(Throwable error) {
        return DialogManagement.storageFailure(error) instanceof DialogException failure
                && failure.reason() == DialogException.Reason.STORAGE_UNAVAILABLE;
    }

    /** Content errors: the same update fails the same way every time. */
    private static boolean unusable(Throwable error) {
        return error instanceof tools.jackson.core.JacksonException
                || error instanceof com.fasterxml.jackson.core.JacksonException
                || error instanceof IllegalArgumentException || error instanceof NullPointerException
                || error instanceof org.springframework.dao.DataIntegrityViolationException
                || error instanceof org.springframework.dao.InvalidDataAccessResourceUsageException;
    }

    public static Mono<ServerResponse> problem(HttpStatus status, String detail) {
        return ServerResponse.status(status).bodyValue(ProblemDetail.forStatusAndDetail(status, detail));
    }
}
