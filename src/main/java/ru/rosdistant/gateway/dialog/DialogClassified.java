package ru.rosdistant.gateway.dialog;

/**
 * An agent classified a dialog apart from closing it (the visitor had closed it first); cards rewrite the transcript
 * and tasks create the follow-up task. A close that comes with its classification is announced by {@link DialogClosed}
 * alone.
 */
public record DialogClassified(Dialog dialog, Classification classification, long agentId) implements DialogChanged {
}
