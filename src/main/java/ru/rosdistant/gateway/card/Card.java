package ru.rosdistant.gateway.card;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A person who appealed (regulation 4.2): a lead or a contact, with their e-mails (lowercase) and phones
 * (E.164). {@code contactType} is null for a lead.
 */
public record Card(UUID id, CardKind kind, ContactType contactType, String name, List<String> emails,
        List<String> phones, String siteId, Instant createdAt, Instant updatedAt) {
}
