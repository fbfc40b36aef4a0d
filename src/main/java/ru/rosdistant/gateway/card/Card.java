package ru.rosdistant.gateway.card;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A person who appealed (regulation 4.2): a lead or a contact, with their e-mails (lowercase), phones
 * (E.164) and messenger handles ({@code telegram:123456}, {@code viber:…}, {@code whatsapp:+7…}).
 * {@code contactType} is null for a lead. A merged duplicate has {@code mergedInto} set.
 * {@code portalIds} are the verified portal users ({@code site:userId}) this card is; {@code unproven} marks a
 * card made from contacts the person typed; {@code possibleMatch} says that it shares an e-mail or phone
 * with other cards an agent has not yet confirmed or dismissed. {@code studyGroup} and {@code specialty} (a
 * student's) are searched like the contacts (regulation 4.2.1); {@code status} may be one of
 * {@link CardStatuses#TRANSFER} (regulation 4.5) or any other short text.
 */
public record Card(UUID id, CardKind kind, ContactType contactType, String name, List<String> emails,
        List<String> phones, List<String> handles, String siteId, String status, Long responsibleAgentId,
        UUID mergedInto, Instant createdAt, Instant updatedAt, List<String> portalIds, boolean unproven,
        boolean possibleMatch, String studyGroup, String specialty) {

    /** Whether a portal vouched for this person (a signed identity was bound here). */
    @JsonProperty("identityVerified")
    public boolean identityVerified() {
        return !portalIds.isEmpty();
    }
}
