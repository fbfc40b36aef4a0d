package ru.rosdistant.gateway.dialog;

import java.time.LocalDate;

/**
 * The agent's classification of an appeal: its type, the ticket-desk number (for everything but a
 * consultation), optionally the service's own deadline for the result and, for a complaint, the addressee the
 * agent chose (null: the gateway's choice). Instead of a number the agent may have the gateway register the request
 * in the ticket desk ({@code createTicket}); its number then comes later, onto the task.
 */
public record Classification(AppealType type, String requestNumber, LocalDate serviceDue,
        ComplaintAddressee addressee, boolean createTicket) {

    public Classification {
        if (type == null) {
            throw new IllegalArgumentException("The appeal type is required");
        }
        boolean noNumber = requestNumber == null || requestNumber.isBlank();
        if (type.needsRequestNumber() && noNumber && !createTicket) {
            throw new IllegalArgumentException("A " + type + " needs the ticket-desk request number");
        }
        if (createTicket && (!type.needsRequestNumber() || !noNumber)) {
            throw new IllegalArgumentException("createTicket is for a service request, change request or complaint "
                    + "without a request number");
        }
        if (requestNumber != null && requestNumber.length() > 64) {
            throw new IllegalArgumentException("The request number is longer than 64 characters");
        }
        if (addressee != null && type != AppealType.COMPLAINT) {
            throw new IllegalArgumentException("Only a complaint has an addressee");
        }
    }

    public Classification(AppealType type, String requestNumber, LocalDate serviceDue,
            ComplaintAddressee addressee) {
        this(type, requestNumber, serviceDue, addressee, false);
    }

    public Classification(AppealType type, String requestNumber, LocalDate serviceDue) {
        this(type, requestNumber, serviceDue, null, false);
    }
}
