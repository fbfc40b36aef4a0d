package ru.rosdistant.gateway.card;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A person who appealed (regulation 4.2): a lead or a contact, with their e-mails (lowercase), phones
 * (E.164) and messenger handles ({@code telegram:123456}, {@code viber:…}, {@code whatsapp:+7…}).
 * {@code contactType} is null for a lead. A merged duplicate has {@code mergedInto} set.
 */
public record Card(UUID id, CardKind kind, ContactType contactType, String name, List<String> emails,
        List<String> phones, List<String> handles, String siteId, String status, Long responsibleAgentId,
        UUID mergedInto, Instant createdAt, Instant updatedAt) {
}
