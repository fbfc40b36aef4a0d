package ru.rosdistant.gateway.dialog;

/** Published (in process) after a dialog was handed to another agent or line. */
public record DialogForwarded(Dialog dialog, Long previousAgentId, String previousLineId) {
}
