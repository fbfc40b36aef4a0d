package ru.rosdistant.gateway.offline;

import java.util.UUID;

/** No such offline appeal, or not in the caller's lines. */
class OfflineAppealNotFoundException extends RuntimeException {

    OfflineAppealNotFoundException(UUID id) {
        super("No offline appeal " + id);
    }
}
