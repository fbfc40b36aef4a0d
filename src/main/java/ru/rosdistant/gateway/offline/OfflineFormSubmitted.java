package ru.rosdistant.gateway.offline;

import java.util.UUID;

/**
 * A new offline form was stored, bound to a card, and its mail queued. {@code dialogId} is the widget
 * dialog the visitor had before, or null.
 */
public record OfflineFormSubmitted(UUID formId, UUID cardId, String siteId, UUID dialogId) {
}
