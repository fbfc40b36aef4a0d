package ru.rosdistant.gateway.dialog;

/** A waiting dialog was given to an agent. */
public record DialogAssigned(Dialog dialog) implements DialogChanged {
}
