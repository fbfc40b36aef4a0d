package ru.rosdistant.gateway.dialog;

/**
 * A dialog was closed; the agent it had is free for another one. When the agent classified it in the same step, the
 * classification was stored in the same transaction and {@code dialog().appealType()} carries it: that close is one
 * fact and this is its only event (no {@link DialogClassified} follows). A listener that acts on a classification
 * listens to both.
 */
public record DialogClosed(Dialog dialog) implements DialogChanged {
}
