package ru.rosdistant.gateway.report;

/** A report query ran past {@code gateway.report.query-timeout} and was cancelled. */
public class ReportTimeoutException extends RuntimeException {

    ReportTimeoutException(Throwable cause) {
        super("The report took too long; choose a shorter period or fewer lines", cause);
    }

    /** Whether PostgreSQL cancelled the statement for its statement_timeout (SQLSTATE 57014). */
    static boolean cancelled(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.r2dbc.spi.R2dbcException r2dbc && "57014".equals(r2dbc.getSqlState())) {
                return true;
            }
        }
        return false;
    }
}
