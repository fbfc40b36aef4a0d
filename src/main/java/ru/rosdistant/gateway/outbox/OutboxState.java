package ru.rosdistant.gateway.outbox;

/** PENDING → DELIVERING (leased to a relay) → DELIVERED, or back to PENDING to retry, or FAILED for good. */
public enum OutboxState {
    PENDING, DELIVERING, DELIVERED, FAILED
}
