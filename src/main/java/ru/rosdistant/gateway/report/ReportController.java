package ru.rosdistant.gateway.report;

import java.security.Principal;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
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

    ReportController(Reports reports, AgentDirectory agents, Sites sites, ReportProperties properties) {
        this.reports = reports;
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

    @GetMapping("/dialogs/figures")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> dialogFigures(Query query, Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.dialogFigures(filter)
                .collectList()
                .map(rows -> figures(filter, rows)));
    }

    @GetMapping("/dialogs/waits")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> waits(Query query, Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.waitHistogram(filter)
                .map(rows -> figures(filter, rows)));
    }

    @GetMapping("/dialogs/figures.csv")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<byte[]>> dialogFiguresCsv(Query query, @RequestParam(required = false) String delimiter,
            Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.dialogFigures(filter)
                .collectList()
                .map(rows -> csv("dialog-figures", filter, DialogFigures.class, rows, delimiter, false)));
    }

    @GetMapping("/dialogs")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ReportPage<DialogRow>> dialogs(Query query, @RequestParam(defaultValue = "offered") String figure,
            @RequestParam(required = false) Integer limit, Principal principal) {
        DialogFigure which = figure(figure);
        return filter(query, principal).flatMap(filter -> reports.dialogs(filter, which, limit(limit)));
    }

    @GetMapping("/dialogs.csv")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<byte[]>> dialogsCsv(Query query, @RequestParam(defaultValue = "offered") String figure,
            @RequestParam(required = false) String delimiter, Principal principal) {
        DialogFigure which = figure(figure);
        return filter(query, principal).flatMap(filter -> reports.dialogs(filter, which, properties.maxRows())
                .map(page -> csv("dialogs-" + which.name().toLowerCase(), filter, DialogRow.class, page.rows(),
                        delimiter, page.truncated())));
    }

    @GetMapping("/deadlines/figures")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> deadlineFigures(Query query, Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.deadlineFigures(filter)
                .collectList()
                .map(rows -> figures(filter, rows)));
    }

    @GetMapping("/deadlines/figures.csv")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<byte[]>> deadlineFiguresCsv(Query query, @RequestParam(required = false) String delimiter,
            Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.deadlineFigures(filter)
                .collectList()
                .map(rows -> csv("deadline-figures", filter, DeadlineFigures.class, rows, delimiter, false)));
    }

    @GetMapping("/deadlines")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ReportPage<DeadlineRow>> deadlines(Query query, @RequestParam(required = false) String rule,
            @RequestParam(required = false) String status, @RequestParam(required = false) Integer limit,
            Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.deadlines(filter, upper(rule), upper(status),
                limit(limit)));
    }

    @GetMapping("/deadlines.csv")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<byte[]>> deadlinesCsv(Query query, @RequestParam(required = false) String rule,
            @RequestParam(required = false) String status, @RequestParam(required = false) String delimiter,
            Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.deadlines(filter, upper(rule), upper(status),
                        properties.maxRows())
                .map(page -> csv("deadlines", filter, DeadlineRow.class, page.rows(), delimiter, page.truncated())));
    }

    @GetMapping("/agents")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> agentFigures(Query query, Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.agentFigures(filter)
                .collectList()
                .map(rows -> figures(filter, rows)));
    }

    @GetMapping("/agents.csv")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<ResponseEntity<byte[]>> agentFiguresCsv(Query query, @RequestParam(required = false) String delimiter,
            Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.agentFigures(filter)
                .collectList()
                .map(rows -> csv("agents", filter, AgentFigures.class, rows, delimiter, false)));
    }

    @GetMapping("/offline-forms")
    @PreAuthorize("hasAnyRole('SUPERVISOR', 'ADMIN')")
    Mono<Map<String, Object>> offlineForms(Query query, Principal principal) {
        return filter(query, principal).flatMap(filter -> reports.offlineForms(filter)
                .collectList()
                .map(rows -> figures(filter, rows)));
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

    private int limit(Integer limit) {
        int rows = limit == null ? Math.min(500, properties.maxRows()) : limit;
        if (rows < 1 || rows > properties.maxRows()) {
            throw new IllegalArgumentException("limit: 1 to " + properties.maxRows());
        }
        return rows;
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

    private Map<String, Object> figures(ReportFilter filter, List<?> rows) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("from", filter.from());
        view.put("to", filter.to());
        view.put("step", filter.step());
        view.put("by", filter.by());
        view.put("zone", properties.zone().getId());
        view.put("rows", rows);
        return view;
    }

    private ResponseEntity<byte[]> csv(String name, ReportFilter filter, Class<? extends Record> type,
            List<? extends Record> rows, String delimiter, boolean truncated) {
        char separator = switch (delimiter == null ? "comma" : delimiter) {
            case "comma" -> ',';
            case "semicolon" -> ';';
            case "tab" -> '\t';
            default -> throw new IllegalArgumentException("delimiter: comma, semicolon or tab");
        };
        String file = name + "-" + filter.from() + "-" + filter.to() + ".csv";
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(file).build().toString())
                .header("X-Report-Truncated", String.valueOf(truncated))
                .body(Csv.of(type, rows, separator, properties.zone()));
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
    ProblemDetail tooSlow(ReportTimeoutException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
    }
}
