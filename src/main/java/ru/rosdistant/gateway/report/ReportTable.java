package ru.rosdistant.gateway.report;

import java.util.List;

/**
 * One report's rows before they take a form: {@code name} names its CSV file, {@code type} gives the columns, and
 * {@code truncated} says that more rows matched than the limit let through.
 */
record ReportTable<T extends Record>(String name, Class<T> type, List<T> rows, boolean truncated) {

    static <T extends Record> ReportTable<T> of(String name, Class<T> type, List<T> rows) {
        return new ReportTable<>(name, type, rows, false);
    }

    static <T extends Record> ReportTable<T> of(String name, Class<T> type, ReportPage<T> page) {
        return new ReportTable<>(name, type, page.rows(), page.truncated());
    }
}
