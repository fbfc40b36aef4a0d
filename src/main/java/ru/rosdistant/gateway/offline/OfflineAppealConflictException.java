package ru.rosdistant.gateway.offline;

/** The appeal is not in a state for this step (triaged, answered or classified already, or not the dispatcher's). */
class OfflineAppealConflictException extends RuntimeException {

    OfflineAppealConflictException(String message) {
        super(message);
    }
}
