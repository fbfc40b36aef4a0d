package ru.rosdistant.gateway.web;

import io.r2dbc.spi.R2dbcException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * The client's mistakes that surface as exceptions deep down, answered as such (a problem body, one log line) rather
 * than as a 500 with a stack trace, wherever they arise — in a controller, a functional route or a filter (the login's
 * form, HTTP Basic's account lookup):
 * <ul>
 * <li>text PostgreSQL cannot hold (U+0000: SQLSTATE 22021, 22P05) or longer than its column (22001): 400;</li>
 * <li>a reference to a row that does not exist (a foreign key, 23503, on insert or update): 422;</li>
 * <li>a body over the codecs' limit ({@code spring.http.codecs.max-in-memory-size}): 413;</li>
 * <li>a {@code Content-Type} that cannot be parsed: 400.</li>
 * </ul>
 * Anything else goes on to Spring Boot's error handler. Runs before it (which is at -1).
 */
@Component
@Order(-2)
class ClientFaults implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ClientFaults.class);

    private final JsonMapper json;

    ClientFaults(JsonMapper json) {
        this.json = json;
        // Jackson builds a type's serializer on first use, under a lock: not on an event loop at the first answer
        json.writeValueAsBytes(new RequestTimeout.Problem("about:blank", "Bad Request", 400, "", "/"));
    }

    private record Fault(HttpStatus status, String detail) {
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        Fault fault = classify(ex);
        ServerHttpResponse response = exchange.getResponse();
        if (fault == null || response.isCommitted()) {
            return Mono.error(ex);
        }
        log.info("{} {} answered {}: {}", exchange.getRequest().getMethod().name(), RequestTimeout.routeOf(exchange),
                fault.status().value(), fault.detail());
        response.setStatusCode(fault.status());
        HttpHeaders headers = response.getHeaders();
        headers.clearContentHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        byte[] body = json.writeValueAsBytes(new RequestTimeout.Problem("about:blank",
                fault.status().getReasonPhrase(), fault.status().value(), fault.detail(),
                exchange.getRequest().getPath().value()));
        headers.setContentLength(body.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    private static Fault classify(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof DataBufferLimitException) {
                return new Fault(HttpStatus.CONTENT_TOO_LARGE, "The request body is larger than this endpoint accepts");
            }
            if (cause instanceof InvalidMediaTypeException) {
                return new Fault(HttpStatus.BAD_REQUEST, "The Content-Type header cannot be parsed");
            }
            if (cause instanceof R2dbcException refused && refused.getSqlState() != null) {
                Fault fault = refusedByTheDatabase(refused);
                if (fault != null) {
                    return fault;
                }
            }
        }
        return null;
    }

    /** Only what the same request would get again: the client's to fix, not a failure of the gateway. */
    private static Fault refusedByTheDatabase(R2dbcException refused) {
        return switch (refused.getSqlState()) {
            case "22021", "22P05" -> new Fault(HttpStatus.BAD_REQUEST,
                    "Text may not contain the character U+0000 (or another character that cannot be stored)");
            case "22001" -> new Fault(HttpStatus.BAD_REQUEST, "A value is longer than the field holds");
            // on insert or update: the request names a row that does not exist; on delete ("is still referenced")
            // it is a conflict of the gateway's own data, not answered here
            case "23503" -> String.valueOf(refused.getMessage()).contains("still referenced") ? null
                    : new Fault(HttpStatus.UNPROCESSABLE_CONTENT, "The request refers to something that does not "
                            + "exist (an unknown id)");
            default -> null;
        };
    }
}
