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
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.server.ServerWebInputException;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.report.ReportQueries.Listed;
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

    private static final String TRUNCATED = "X-Report-Truncated";

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
    Mono<ResponseEntity<Object>> dialogFigures(Query query, ServerHttpRequest request, ServerHttpResponse response,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal, response,
                all("dialog-figures", DialogFigures.class, reports::dialogFigures));
    }

    @GetMapping({"/dialogs/waits", "/dialogs/waits.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> waits(Query query, ServerHttpRequest request, ServerHttpResponse response,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal, response,
                all("dialog-waits", Reports.WaitBar.class, filter -> reports.waitHistogram(filter)
                        .flatMapIterable(bars -> bars)));
    }

    @GetMapping({"/dialogs", "/dialogs.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> dialogs(Query query, ServerHttpRequest request, ServerHttpResponse response,
            @RequestParam(required = false) String delimiter, @RequestParam(defaultValue = "offered") String figure,
            @RequestParam(required = false) String limit, Principal principal) {
        Form form = Form.of(request, delimiter);
        DialogFigure which = figure(figure);
        int rows = limit(limit, form, response);
        return answer(query, form, principal, response, new Report<>("dialogs-" + which.name().toLowerCase(),
                DialogRow.class, rows, filter -> reports.dialogList(filter, which, rows)));
    }

    @GetMapping({"/deadlines/figures", "/deadlines/figures.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> deadlineFigures(Query query, ServerHttpRequest request, ServerHttpResponse response,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal, response,
                all("deadline-figures", DeadlineFigures.class, reports::deadlineFigures));
    }

    @GetMapping({"/deadlines", "/deadlines.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> deadlines(Query query, ServerHttpRequest request, ServerHttpResponse response,
            @RequestParam(required = false) String delimiter, @RequestParam(required = false) String rule,
            @RequestParam(required = false) String status, @RequestParam(required = false) String limit,
            Principal principal) {
        Form form = Form.of(request, delimiter);
        int rows = limit(limit, form, response);
        return answer(query, form, principal, response, new Report<>("deadlines", DeadlineRow.class, rows,
                filter -> reports.deadlineList(filter, upper(rule), upper(status), rows)));
    }

    @GetMapping({"/agents", "/agents.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> agentFigures(Query query, ServerHttpRequest request, ServerHttpResponse response,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal, response,
                all("agents", AgentFigures.class, reports::agentFigures));
    }

    @GetMapping({"/offline-forms", "/offline-forms.csv"})
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<Object>> offlineForms(Query query, ServerHttpRequest request, ServerHttpResponse response,
            @RequestParam(required = false) String delimiter, Principal principal) {
        return answer(query, Form.of(request, delimiter), principal, response,
                all("offline-forms", OfflineFormCount.class, reports::offlineForms));
    }

    /**
     * One report: {@code name} names its CSV file, {@code type} gives the columns, {@code rows} the rows for a filter
     * as the database sends them, each with how many the query picked; at most {@code limit} are answered, and a
     * list whose query picked more was cut.
     */
    private record Report<T extends Record>(String name, Class<T> type, int limit,
            Function<ReportFilter, Flux<Listed<T>>> rows) {

        /** The rows collected, for JSON. */
        Mono<ReportTable<T>> table(ReportFilter filter) {
            return rows.apply(filter)
                    .map(Listed::row)
                    .collectList()
                    .map(list -> list.size() > limit
                            ? new ReportTable<>(name, type, List.copyOf(list.subList(0, limit)), true)
                            : new ReportTable<>(name, type, list, false));
        }
    }

    /** A report whose every row is answered (its query bounds them). */
    private static <T extends Record> Report<T> all(String name, Class<T> type,
            Function<ReportFilter, Flux<T>> rows) {
        return new Report<>(name, type, Integer.MAX_VALUE, filter -> rows.apply(filter)
                .map(row -> new Listed<>(row, 0)));
    }

    /**
     * The one way every report is answered: the caller's filter, the report's rows, then those rows as JSON
     * ({@link ReportView}) or, for a path ending in {@code .csv}, as a CSV file streamed as its rows come
     * ({@link #csv}). The query runs in one of the places of {@link ReportSlots}.
     */
    private <T extends Record> Mono<ResponseEntity<Object>> answer(Query query, Form form, Principal principal,
            ServerHttpResponse response, Report<T> report) {
        return filter(query, principal).flatMap(filter -> form.csv()
                ? csv(filter, report, form.delimiter(), principal.getName(), response)
                : slots.run(principal.getName(), Mono.defer(() -> report.table(filter)))
                        .map(table -> json(filter, table)));
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
     * every list's limit ({@link Paging}), the one applied in {@code X-Limit} (set on the response itself, since a
     * CSV is written to it rather than answered as an entity).
     */
    private int limit(String limit, Form form, ServerHttpResponse response) {
        int byDefault = form.csv() ? properties.maxRows() : Math.min(500, properties.maxRows());
        Paging rows = Paging.first(limit, byDefault, properties.maxRows());
        response.getHeaders().set("X-Limit", Integer.toString(rows.limit()));
        return rows.limit();
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

    /**
     * The report as a CSV file sent as its rows come from the database, in chunks of {@link Csv#CHUNK_BYTES}: the
     * report's place ({@link ReportSlots}) and its query are held until the last row is written, and a client that
     * goes away (its connection closed: the next chunk's write fails) ends the query. Nothing is sent before the
     * first row (or the end of an empty report), so a report that is refused (busy), fails or times out before its
     * first row is still answered with its status and problem; one that fails after its first chunk was sent can only
     * be cut off (the client sees a download that did not complete). {@code X-Report-Truncated} is set from the
     * first row, which says how many rows the query picked.
     */
    private <T extends Record> Mono<ResponseEntity<Object>> csv(ReportFilter filter, Report<T> report,
            char delimiter, String user, ServerHttpResponse response) {
        String file = report.name() + "-" + filter.from() + "-" + filter.to() + ".csv";
        int limit = report.limit();
        Flux<T> rows = slots.stream(user, Flux.defer(() -> report.rows().apply(filter)))
                .switchOnFirst((first, all) -> {
                    // the CSV's headers once it is sure to be one: an error is answered as a problem instead
                    if (!first.isOnError()) {
                        HttpHeaders headers = response.getHeaders();
                        headers.setContentType(new MediaType("text", "csv", StandardCharsets.UTF_8));
                        headers.set(HttpHeaders.CONTENT_DISPOSITION,
                                ContentDisposition.attachment().filename(file).build().toString());
                        headers.set(TRUNCATED, String.valueOf(first.hasValue() && first.get().picked() > limit));
                    }
                    return all;
                })
                // the row past the limit is read, not cancelled: a query cancelled in flight costs its connection
                .index()
                .filter(row -> row.getT1() < limit)
                .map(row -> row.getT2().row());
        // written here, not as a ResponseEntity's body (its writer cannot tell a Flux<DataBuffer> behind Object):
        // the handler's answer is then complete, and an error before the first chunk is still the handler's, which
        // the exception handlers below answer
        return response.writeWith(Csv.write(report.type(), rows, delimiter, properties.zone(),
                        response.bufferFactory(), Csv.CHUNK_BYTES))
                .then(Mono.empty());
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
