package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** A visitor of one site, known by a token only they hold; {@code fresh} when the token was just issued. */
public record Visitor(UUID id, String siteId, String token, boolean fresh) {
}
