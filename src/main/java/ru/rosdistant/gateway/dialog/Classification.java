package ru.rosdistant.gateway.dialog;

import java.time.LocalDate;

/**
 * The agent's classification of an appeal: its type, the ticket-desk number (for everything but a
 * consultation) and, optionally, the service's own deadline for the result.
 */
public record Classification(AppealType type, String requestNumber, LocalDate serviceDue) {

    public Classification {
        if (type == null) {
            throw new IllegalArgumentException("The appeal type is required");
        }
        if (type.needsRequestNumber() && (requestNumber == null || requestNumber.isBlank())) {
            throw new IllegalArgumentException("A " + type + " needs the ticket-desk request number");
        }
        if (requestNumber != null && requestNumber.length() > 64) {
            throw new IllegalArgumentException("The request number is longer than 64 characters");
        }
    }
}
