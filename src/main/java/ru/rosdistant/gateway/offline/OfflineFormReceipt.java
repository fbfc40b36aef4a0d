package ru.rosdistant.gateway.offline;

import java.util.UUID;

/** What the visitor's widget gets back: the stored form, the card it was bound to, and the form's state. */
record OfflineFormReceipt(UUID id, UUID cardId, String state) {
}
