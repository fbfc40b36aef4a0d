package ru.rosdistant.gateway.report;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.server.ServerWebInputException;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.web.Paging;
import ru.rosdistant.gateway.web.ProblemAnswers;

/**
 * {@code /api/reports/...} (docs/reports.md): the figures and the rows behind them as JSON, and each as CSV. A
 * SUPERVISOR sees their own lines (asking for another is 403), an ADMIN every line. Every request names its
 * period; the period, the rows and the query time are bounded.
 */
@RestController
@RequestMapping("/api/reports")
class ReportController implements ProblemAnswers {

    private static final int MAX_LINES = 100;

    private final Reports reports;

    private final AgentDirectory agents;

    private final Sites sites;

    private final ReportProperties properties;

    private final ReportSlots slots;

    ReportController(Reports reports, AgentDirectory agents, Sites sites, ReportProperties properties,
            ReportSlots slots) {
        this.reports = reports;
        this.slots = slots;
        this.agents = agents;
        this.sites = sites;
        this.properties = properties;
    }

    /** The common query of every report. */
    record Query(@DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate from,
            @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate to, String step, String by, List<String> line,
            Long agent, String site, String channel) {
    }

    /** What the caller may ask for: their lines, the sites, the channels, the limits. */
    @GetMapping("/scope")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> scope(Principal principal) {
        return agents.current(principal).map(agent -> {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("lines", sites.lines()
                    .stream()
                    .filter(line -> agent.has(Role.ADMIN) || agent.serves(line.id()))
                    .toList());
            view.put("sites", sites.all()
                    .stream()
                    .filter(site -> agent.has(Role.ADMIN) || agent.serves(site.line()))
                    .map(site -> Map.of("id", site.id(), "name", site.name(), "line", site.line()))
                    .toList());
            view.put("channels", ReportFilter.CHANNELS);
            view.put("zone", properties.zone().getId());
            view.put("maxPeriodDays", properties.maxPeriodDays());
            view.put("maxRows", properties.maxRows());
            return view;
        });
    }

    @GetMapping({"/dialogs/figures", "/dialogs/figures.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> dialogFigures(Query query, ServerHttpRequest request,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal,
                all("dialog-figures", DialogFigures.class, reports::dialogFigures));
    }

    @GetMapping({"/dialogs/waits", "/dialogs/waits.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> waits(Query query, ServerHttpRequest request,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal,
                all("dialog-waits", Reports.WaitBar.class, filter -> reports.waitHistogram(filter)
                        .flatMapIterable(bars -> bars)));
    }

    @GetMapping({"/dialogs", "/dialogs.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> dialogs(Query query, ServerHttpRequest request,
            @RequestParam(required = false) String delimiter, @RequestParam(defaultValue = "offered") String figure,
            @RequestParam(required = false) String limit, Principal principal) {
        Form form = Form.of(request, delimiter);
        DialogFigure which = figure(figure);
        Paging rows = limit(limit, form);
        return limited(rows, answer(query, form, principal, paged("dialogs-" + which.name().toLowerCase(),
                DialogRow.class, filter -> reports.dialogs(filter, which, rows.limit()))));
    }

    @GetMapping({"/deadlines/figures", "/deadlines/figures.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> deadlineFigures(Query query, ServerHttpRequest request,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal,
                all("deadline-figures", DeadlineFigures.class, reports::deadlineFigures));
    }

    @GetMapping({"/deadlines", "/deadlines.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> deadlines(Query query, ServerHttpRequest request,
            @RequestParam(required = false) String delimiter, @RequestParam(required = false) String rule,
            @RequestParam(required = false) String status, @RequestParam(required = false) String limit,
            Principal principal) {
        Form form = Form.of(request, delimiter);
        Paging rows = limit(limit, form);
        return limited(rows, answer(query, form, principal, paged("deadlines", DeadlineRow.class,
                filter -> reports.deadlines(filter, upper(rule), upper(status), rows.limit()))));
    }

    @GetMapping({"/agents", "/agents.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> agentFigures(Query query, ServerHttpRequest request,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal,
                all("agents", AgentFigures.class, reports::agentFigures));
    }

    @GetMapping({"/offline-forms", "/offline-forms.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> offlineForms(Query query, ServerHttpRequest request,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal,
                all("offline-forms", OfflineFormCount.class, reports::offlineForms));
    }

    /** A report whose every row is answered (its query bounds them): {@code name} names its CSV file. */
    private static <T extends Record> Function<ReportFilter, Mono<ReportTable<T>>> all(String name, Class<T> type,
            Function<ReportFilter, Flux<T>> rows) {
        return filter -> rows.apply(filter)
                .collectList()
                .map(list -> ReportTable.of(name, type, list));
    }

    /** A report answered a page at a time, saying whether more rows matched than the page let through. */
    private static <T extends Record> Function<ReportFilter, Mono<ReportTable<T>>> paged(String name, Class<T> type,
            Function<ReportFilter, Mono<ReportPage<T>>> page) {
        return filter -> page.apply(filter)
                .map(rows -> ReportTable.of(name, type, rows));
    }

    /**
     * The one way every report is answered: the caller's filter, the report's rows, then those rows as JSON
     * ({@link ReportView}) or, for a path ending in {@code .csv}, as a CSV file. The query runs in one of the
     * places of {@link ReportSlots}.
     */
    private Mono<ResponseEntity<Object>> answer(Query query, Form form, Principal principal,
            Function<ReportFilter, ? extends Mono<? extends ReportTable<?>>> report) {
        return filter(query, principal).flatMap(filter -> slots.run(principal.getName(), Mono.defer(() -> report
                .apply(filter)
                .map(table -> form.csv() ? csv(filter, table, form.delimiter()) : json(filter, table)))));
    }

    private Mono<ReportFilter> filter(Query query, Principal principal) {
        return agents.current(principal).map(agent -> ReportFilter.of(query.from(), query.to(), query.step(),
                query.by(), scope(agent, query.line()), query.agent(), query.site(), query.channel(),
                properties.maxPeriodDays()));
    }

    /** The lines the caller may see, narrowed to those asked for; null for every line (an ADMIN asking for all). */
    private static List<String> scope(Agent agent, List<String> asked) {
        if (asked != null && asked.size() > MAX_LINES) {
            throw new IllegalArgumentException("line: at most " + MAX_LINES + " lines");
        }
        boolean all = asked == null || asked.isEmpty();
        if (agent.has(Role.ADMIN)) {
            return all ? null : List.copyOf(asked);
        }
        if (all) {
            return List.copyOf(agent.lines());
        }
        asked.stream()
                .filter(line -> !agent.serves(line))
                .findFirst()
                .ifPresent(line -> {
                    throw new ReportForbiddenException(line.length() > 64 ? line.substring(0, 64) + "…" : line);
                });
        return List.copyOf(asked);
    }

    /**
     * A list's rows: as asked, else 500 as JSON and every row allowed as CSV; clamped to 1..{@code max-rows} like
     * every list's limit ({@link Paging}), the one applied in {@code X-Limit}.
     */
    private Paging limit(String limit, Form form) {
        int byDefault = form.csv() ? properties.maxRows() : Math.min(500, properties.maxRows());
        return Paging.of(limit, null, byDefault, properties.maxRows());
    }

    /** The answer with the limit applied in its headers. */
    private static Mono<ResponseEntity<Object>> limited(Paging rows, Mono<ResponseEntity<Object>> answer) {
        return answer.map(response -> rows.headers(ResponseEntity.status(response.getStatusCode())
                        .headers(headers -> headers.addAll(response.getHeaders())))
                .body(response.getBody()));
    }

    private static DialogFigure figure(String figure) {
        try {
            return DialogFigure.valueOf(figure.trim().toUpperCase().replace('-', '_'));
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("figure: one of " + List.of(DialogFigure.values())
                    .stream()
                    .map(value -> value.name().toLowerCase().replace('_', '-'))
                    .toList(), ex);
        }
    }

    private static String upper(String value) {
        return value == null || value.isBlank() ? null : value.trim().toUpperCase();
    }

    private ResponseEntity<Object> json(ReportFilter filter, ReportTable<?> table) {
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .body(new ReportView<>(filter.from(), filter.to(), filter.step(), filter.by(), properties.zone().getId(),
                        table.rows(), table.truncated()));
    }

    private ResponseEntity<Object> csv(ReportFilter filter, ReportTable<?> table, char delimiter) {
        String file = table.name() + "-" + filter.from() + "-" + filter.to() + ".csv";
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(file).build().toString())
                .header("X-Report-Truncated", String.valueOf(table.truncated()))
                .body(Csv.of(table.type(), table.rows(), delimiter, properties.zone()));
    }

    @ExceptionHandler
    ProblemDetail forbidden(ReportForbiddenException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, ex.getMessage());
    }

    /** A parameter that does not parse (a date that is not yyyy-mm-dd, a number that is not one). */
    @ExceptionHandler
    ProblemDetail unreadable(ServerWebInputException ex) {
        String detail = ex instanceof WebExchangeBindException bind && !bind.getFieldErrors().isEmpty()
                ? bind.getFieldErrors()
                        .stream()
                        .map(error -> error.getField() + ": cannot read '" + String.valueOf(error.getRejectedValue())
                                .substring(0, Math.min(40, String.valueOf(error.getRejectedValue()).length())) + "'")
                        .collect(java.util.stream.Collectors.joining("; ")) + " (dates are yyyy-mm-dd)"
                : "Cannot read the request: " + ex.getReason();
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> busy(ReportBusyException ex) {
        HttpStatus status = ex.mine() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE;
        return ResponseEntity.status(status)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, ex.retryAfter().toSeconds())))
                .body(ProblemDetail.forStatusAndDetail(status, ex.getMessage()));
    }

    @ExceptionHandler
    ProblemDetail tooSlow(ReportTimeoutException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
    }
}
