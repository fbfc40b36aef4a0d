package ru.rosdistant.gateway.report;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The form a report is answered in: JSON, or CSV when the path ends in {@code .csv}, its fields separated by the
 * {@code delimiter} parameter ({@code comma}, {@code semicolon} or {@code tab}; comma when absent).
 */
record Form(boolean csv, char delimiter) {

    static Form of(ServerHttpRequest request, String delimiter) {
        char separator = switch (delimiter == null ? "comma" : delimiter) {
            case "comma" -> ',';
            case "semicolon" -> ';';
            case "tab" -> '\t';
            default -> throw new IllegalArgumentException("delimiter: comma, semicolon or tab");
        };
        return new Form(request.getPath().value().endsWith(".csv"), separator);
    }
}
