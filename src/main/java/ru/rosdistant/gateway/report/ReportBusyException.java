package ru.rosdistant.gateway.report;

import java.time.Duration;

/**
 * A report refused because as many reports as allowed were running ({@code gateway.report.concurrency}): the caller's
 * own ({@code mine}), answered 429, or the node's, answered 503; both say when to ask again.
 */
public class ReportBusyException extends RuntimeException {

    private final boolean mine;

    private final Duration retryAfter;

    ReportBusyException(boolean mine, int limit, Duration retryAfter) {
        super(mine ? "You already have " + limit + " report(s) running; ask again when it has answered"
                : "The reports are busy (" + limit + " running at once); ask again in a few seconds");
        this.mine = mine;
        this.retryAfter = retryAfter;
    }

    /** Whether the caller's own reports fill their limit (else the node's do). */
    boolean mine() {
        return mine;
    }

    Duration retryAfter() {
        return retryAfter;
    }
}
