package ru.rosdistant.gateway.offline;

import java.time.Instant;
import java.util.UUID;

/** A form as it is being stored: its id, its card and when it came. */
record StoredForm(UUID id, UUID cardId, OfflineForm form, EarlierChat earlier, Instant at) {
}
