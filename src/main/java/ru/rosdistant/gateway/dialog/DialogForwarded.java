package ru.rosdistant.gateway.dialog;

/**
 * A dialog was handed to another agent or line. {@code handOff} says how it left its agent: {@code forwarded},
 * {@code triaged} or {@code taken_over} (null when nobody had it: the dispatcher sent it to a line).
 */
public record DialogForwarded(Dialog dialog, Long previousAgentId, String previousLineId, String handOff)
        implements DialogChanged {
}
