package ru.rosdistant.gateway.dialog;

import java.time.LocalDate;

/**
 * The agent's classification of an appeal: its type, the ticket-desk number (for everything but a
 * consultation), optionally the service's own deadline for the result and, for a complaint, the addressee the
 * agent chose (null: the gateway's choice).
 */
public record Classification(AppealType type, String requestNumber, LocalDate serviceDue,
        ComplaintAddressee addressee) {

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
        if (addressee != null && type != AppealType.COMPLAINT) {
            throw new IllegalArgumentException("Only a complaint has an addressee");
        }
    }

    public Classification(AppealType type, String requestNumber, LocalDate serviceDue) {
        this(type, requestNumber, serviceDue, null);
    }
}
