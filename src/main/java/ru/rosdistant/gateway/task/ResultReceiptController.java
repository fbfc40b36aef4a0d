package ru.rosdistant.gateway.task;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * The person's side of a task's result (regulation 3, 4.3.2d), open to anyone holding the link's secret: read the
 * result, and say whether it was received (once). An unknown or malformed secret is 404.
 */
@RestController
class ResultReceiptController implements ProblemAnswers {

    private final ResultReports reports;

    ResultReceiptController(ResultReports reports) {
        this.reports = reports;
    }

    record Receipt(Boolean received) {
    }

    @GetMapping("/api/result-receipts/{token}")
    Mono<Map<String, Object>> read(@PathVariable String token) {
        return checked(token).flatMap(reports::find).switchIfEmpty(Mono.error(ResultReceiptController::unknown));
    }

    @PostMapping("/api/result-receipts/{token}")
    Mono<Map<String, Object>> answer(@PathVariable String token, @RequestBody Receipt receipt) {
        if (receipt.received() == null) {
            return Mono.error(new IllegalArgumentException("received: true or false"));
        }
        return checked(token).flatMap(reports::find)
                .switchIfEmpty(Mono.error(ResultReceiptController::unknown))
                .then(reports.answer(token, receipt.received()));
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
