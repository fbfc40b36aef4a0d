package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/**
 * A visitor of one site, known by a token only they hold; {@code fresh} when the token was just issued. The token is
 * null where it is no longer needed: a socket's visitor after the welcome has handed it out.
 */
public record Visitor(UUID id, String siteId, String token, boolean fresh) {
}
