package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import ru.rosdistant.gateway.web.ClientBuckets;
import ru.rosdistant.gateway.web.ClientAddress;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * The person's side of a task's result (regulation 3, 4.3.2d), open to anyone holding the link's secret: read the
 * result, and say whether it was received (once). An unknown or malformed secret is 404.
 */
@RestController
class ResultReceiptController implements ProblemAnswers {

    /**
     * Reads and answers per client address: a person opens their link a few times; a guesser of 256-bit secrets
     * gets 10 at once, then one every 2 s (429 with Retry-After).
     */
    private final ClientBuckets perClient = new ClientBuckets(0.5, 10, 10_000);

    private final ResultReports reports;

    ResultReceiptController(ResultReports reports) {
        this.reports = reports;
    }

    record Receipt(Boolean received) {
    }

    @GetMapping("/api/result-receipts/{token}")
    Mono<Map<String, Object>> read(@PathVariable String token, ServerWebExchange exchange) {
        return limited(exchange).then(checked(token)).flatMap(reports::find).switchIfEmpty(Mono.error(ResultReceiptController::unknown));
    }

    @PostMapping("/api/result-receipts/{token}")
    Mono<Map<String, Object>> answer(@PathVariable String token, @RequestBody Receipt receipt,
            ServerWebExchange exchange) {
        if (receipt.received() == null) {
            return Mono.error(new IllegalArgumentException("received: true or false"));
        }
        return limited(exchange).then(checked(token)).flatMap(reports::find)
                .switchIfEmpty(Mono.error(ResultReceiptController::unknown))
                .then(reports.answer(token, receipt.received()));
    }

    private Mono<Void> limited(ServerWebExchange exchange) {
        return perClient.tryAcquire(ClientAddress.of(exchange.getRequest()))
                .map(wait -> Mono.<Void>error(new TooMany(wait)))
                .orElse(Mono.empty());
    }

    /** Over the per-address rate: how long until the next request is allowed. */
    static final class TooMany extends RuntimeException {

        final Duration wait;

        TooMany(Duration wait) {
            super("Too many requests from this address", null, false, false);
            this.wait = wait;
        }
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> tooMany(TooMany ex) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header("Retry-After", String.valueOf(Math.max(1, (ex.wait.toMillis() + 999) / 1000)))
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, ex.getMessage()));
    }

    private static Mono<String> checked(String token) {
        return token.matches("[A-Za-z0-9_-]{43}") ? Mono.just(token) : Mono.error(unknown());
    }

    private static ResponseStatusException unknown() {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "No such result");
    }

    @ExceptionHandler
    ProblemDetail notFound(ResponseStatusException ex) {
        return ProblemDetail.forStatusAndDetail(ex.getStatusCode(), ex.getReason());
    }
}
