package ru.rosdistant.gateway.report;

import java.util.List;

/** A bounded list of rows; {@code truncated} when more rows matched than the limit let through. */
public record ReportPage<T>(List<T> rows, boolean truncated) {
}
