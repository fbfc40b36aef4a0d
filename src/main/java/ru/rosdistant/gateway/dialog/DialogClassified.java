package ru.rosdistant.gateway.dialog;

/** An agent classified a closed dialog; cards create the follow-up tasks. */
public record DialogClassified(Dialog dialog, Classification classification, long agentId) implements DialogChanged {
}
