package ru.rosdistant.gateway.report;

/** A supervisor asked for a line they do not supervise. */
class ReportForbiddenException extends RuntimeException {

    ReportForbiddenException(String line) {
        super("Not one of your lines: " + line);
    }
}
