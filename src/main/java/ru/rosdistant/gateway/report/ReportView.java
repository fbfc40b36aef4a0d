package ru.rosdistant.gateway.report;

import java.time.LocalDate;
import java.util.List;

/**
 * A report as JSON: the period, step and grouping it was computed for, the zone its days were cut in, the rows,
 * and whether a list was cut at its limit.
 */
public record ReportView<T>(LocalDate from, LocalDate to, ReportFilter.Step step, ReportFilter.GroupBy by,
        String zone, List<T> rows, boolean truncated) {
}
