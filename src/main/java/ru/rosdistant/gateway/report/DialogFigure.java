package ru.rosdistant.gateway.report;

/** The figure whose dialogs a drill-down lists, and the condition that picks them. */
public enum DialogFigure {
    OFFERED("true"),
    ANSWERED("outcome = 'ANSWERED'"),
    ABANDONED("outcome = 'ABANDONED'"),
    MISSED("outcome = 'MISSED'"),
    OUT_OF_HOURS("outcome = 'OUT_OF_HOURS'"),
    WAITING("outcome = 'WAITING'"),
    RATED("rating IS NOT NULL"),
    COMMENTED("rating_comment IS NOT NULL"),
    CONSULTATION("appeal_type = 'CONSULTATION'"),
    SERVICE_REQUEST("appeal_type = 'SERVICE_REQUEST'"),
    COMPLAINT("appeal_type = 'COMPLAINT'"),
    CHANGE_REQUEST("appeal_type = 'CHANGE_REQUEST'");

    private final String condition;

    DialogFigure(String condition) {
        this.condition = condition;
    }

    String condition() {
        return condition;
    }
}
