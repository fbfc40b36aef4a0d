package ru.rosdistant.gateway.dialog;

/** The outcome of an append: the stored message, and whether it had been stored before (a retry). */
public record Appended(Message message, boolean duplicate) {
}
